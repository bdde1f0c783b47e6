// The tabs GraphiQL opens with on a first visit: what a new user can run at once.
const keyHint = '# Sends the API key of the Headers tab below ("Authorization": "Bearer <key>").';

export const exampleTabs = [
  {
    query: `${keyHint}
# Submit a job to the fast lane (BullMQ); watch it in the WatchEvents tab.
mutation SubmitEcho {
  submitJob(input: { type: "echo", input: { hello: "world" } }) {
    id
    status
    backend
    routingReason
  }
}
`,
  },
  {
    query: `${keyHint}
# Every event of every job you can see, live. Add \`after: "<event id>"\` to replay from a cursor.
subscription WatchEvents {
  jobEvents {
    id
    jobId
    jobType
    type
    progress
    message
    source
    timestamp
  }
}
`,
  },
  {
    query: `${keyHint}
# The newest jobs across both lanes, one page at a time (pass endCursor as \`after\`).
query ListJobs {
  jobs(first: 20) {
    edges {
      node {
        id
        type
        backend
        status
        progress
        createdAt
        finishedAt
      }
    }
    pageInfo {
      endCursor
      hasNextPage
    }
  }
}
`,
  },
  {
    query: `${keyHint}
# A Temporal workflow that waits for a person. Run StartApproval, copy its id into the
# variables below, then run Approve.
mutation StartApproval {
  submitJob(input: { type: "approval", input: { timeoutSeconds: 3600 } }) {
    id
    status
    backend
  }
}

mutation Approve($id: ID!) {
  signalJob(id: $id, signal: "approve", payload: { by: "me" }) {
    id
    status
  }
}
`,
    variables: '{\n  "id": "<id returned by StartApproval>"\n}\n',
  },
];
