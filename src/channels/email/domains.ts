// Sending domains and their DKIM keys (RFC 6376). Adding a domain generates a 2048-bit RSA
// key; the public half is published by the domain's owner as a DNS TXT record, the private
// half signs every message whose From address is on that domain. The private half is stored
// sealed with the master key (secrets/).
import { generateKeyPairSync } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import { newId } from '../../ids/index.ts';
import { dkimKeyPlace, type Secrets } from '../../secrets/index.ts';
import { asciiDomain } from './address.ts';

export interface SendingDomain {
  id: string;
  domain: string;
  selector: string;
  /** Name of the TXT record to publish. */
  dnsName: string;
  /** Value of the TXT record to publish. */
  dnsValue: string;
  createdAt: Date;
}

const domainPattern = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/;
const selectorPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

export class DomainError extends Error {}

export async function addDomain(
  db: Kysely<Database>,
  secrets: Secrets,
  projectId: string,
  domainName: string,
  selector = 'aviso',
): Promise<SendingDomain> {
  // Kept as A-labels (tiendá.es → xn--tiend-1qa.es): what DNS, DKIM's d= and Message-IDs carry.
  const domain = asciiDomain(domainName.trim().replace(/\.$/, ''));
  if (!domainPattern.test(domain)) throw new DomainError(`"${domainName}" is not a domain name`);
  if (!selectorPattern.test(selector)) throw new DomainError(`"${selector}" is not a valid DKIM selector`);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const id = newId('dom');
  const row = await db
    .insertInto('domains')
    .values({
      id,
      project_id: projectId,
      domain,
      dkim_selector: selector,
      dkim_private_key: secrets.seal(privateKey, dkimKeyPlace(id)),
      dkim_public_key: publicKey.toString('base64'),
    })
    .onConflict((oc) => oc.columns(['project_id', 'domain']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new DomainError(`${domain} is already added to this project`);
  return toDomain(row);
}

export async function listDomains(db: Kysely<Database>, projectId: string): Promise<SendingDomain[]> {
  const rows = await db
    .selectFrom('domains')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('domain')
    .execute();
  return rows.map(toDomain);
}

/** The DKIM signing key for mail from `domain` in this project, if one is configured. */
export async function dkimKeyFor(db: Kysely<Database>, secrets: Secrets, projectId: string, domain: string) {
  const row = await db
    .selectFrom('domains')
    .select(['id', 'domain', 'dkim_selector', 'dkim_private_key'])
    .where('project_id', '=', projectId)
    .where('domain', '=', domain)
    .executeTakeFirst();
  return row
    ? {
        domainName: row.domain,
        keySelector: row.dkim_selector,
        privateKey: secrets.open(row.dkim_private_key, dkimKeyPlace(row.id)),
      }
    : null;
}

/** The TXT record value, split into 255-character strings as DNS requires (RFC 7208 §3.3 style). */
function dkimRecord(publicKeyBase64: string): string {
  const value = `v=DKIM1; k=rsa; p=${publicKeyBase64}`;
  const chunks = value.match(/.{1,255}/g) ?? [];
  return chunks.map((c) => `"${c}"`).join(' ');
}

function toDomain(row: {
  id: string;
  domain: string;
  dkim_selector: string;
  dkim_public_key: string;
  created_at: Date;
}): SendingDomain {
  return {
    id: row.id,
    domain: row.domain,
    selector: row.dkim_selector,
    dnsName: `${row.dkim_selector}._domainkey.${row.domain}`,
    dnsValue: dkimRecord(row.dkim_public_key),
    createdAt: row.created_at,
  };
}
