import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An API key: only the sha256 of the secret is kept. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('text', { name: 'key_hash' }) keyHash: string;
  @Column('text') tenant: string;
  @Column('text') role: string;
  @Column('boolean') revoked: boolean;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
}
