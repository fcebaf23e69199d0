// Every DNS record a sending domain needs for its mail to be trusted: DKIM (RFC 6376) for the
// signature, SPF (RFC 7208) for the envelope sender's domain, DMARC (RFC 7489) for the From
// domain, and the return path's MX when bounces go to a domain of their own. Pure: the caller
// says which relays send the mail and where bounces go.
import type { SendingDomain } from './domains.ts';

export interface DnsRecord {
  /** What the record is for: DKIM, SPF, DMARC or Return path. */
  purpose: string;
  /** Fully qualified name, with the trailing dot of a zone file. */
  name: string;
  type: 'TXT' | 'MX';
  value: string;
  /** One line on why the domain needs it. */
  why: string;
}

export interface MailSetup {
  /** AVISO_BOUNCE_DOMAIN: the domain of every envelope sender (VERP), when set. */
  bounceDomain?: string;
  /** Host names of the SMTP relays that send the project's mail (AVISO_SMTP_URL, smtp providers). */
  relayHosts: string[];
  /** Host of the bounce listener, when this Aviso runs one and knows its public name. */
  bounceListenerHost?: string;
}

export function dnsRecords(domain: SendingDomain, setup: MailSetup): DnsRecord[] {
  const records: DnsRecord[] = [
    {
      purpose: 'DKIM',
      name: `${domain.dnsName}.`,
      type: 'TXT',
      value: domain.dnsValue,
      why: `the public key receivers check Aviso's signature with (selector ${domain.selector}); mail from ${domain.domain} is signed with its private half`,
    },
    spfRecord(domain.domain, setup),
    {
      purpose: 'DMARC',
      name: `_dmarc.${domain.domain}.`,
      type: 'TXT',
      value: `"v=DMARC1; p=none; rua=mailto:dmarc-reports@${domain.domain}"`,
      why: 'p=none only monitors: point rua at a mailbox you read (or a DMARC report service), and move to p=quarantine, then p=reject, once the reports show all your mail passing',
    },
  ];
  if (setup.bounceDomain) records.push(returnPathRecord(setup.bounceDomain, setup.bounceListenerHost));
  return records;
}

/** SPF is checked on the envelope sender: the bounce domain when set, else the From domain. */
function spfRecord(domain: string, setup: MailSetup): DnsRecord {
  const envelope = setup.bounceDomain ?? domain;
  const hosts = [...new Set(setup.relayHosts.map((h) => h.toLowerCase()))];
  const mechanisms =
    hosts.length > 0 ? hosts.map((h) => `a:${h}`).join(' ') : 'include:<your relay’s SPF domain>';
  const senders =
    hosts.length > 0
      ? `authorises the relay${hosts.length > 1 ? 's' : ''} Aviso sends through (${hosts.join(', ')}); if a relay documents its own SPF include, use that instead`
      : 'no SMTP relay is configured yet (AVISO_SMTP_URL or an smtp provider): name the servers that will send the mail';
  const alignment =
    envelope === domain
      ? ''
      : `; mail leaves with envelope senders at ${envelope} (AVISO_BOUNCE_DOMAIN), so the record goes there, and it counts for DMARC only if ${envelope} is under ${domain}'s organisational domain (DKIM alone passes DMARC otherwise)`;
  return {
    purpose: 'SPF',
    name: `${envelope}.`,
    type: 'TXT',
    value: `"v=spf1 ${mechanisms} ~all"`,
    why: `${senders}${alignment}; merge it into an existing v=spf1 record, since a name may have only one`,
  };
}

function returnPathRecord(bounceDomain: string, listenerHost: string | undefined): DnsRecord {
  return {
    purpose: 'Return path',
    name: `${bounceDomain}.`,
    type: 'MX',
    value: `10 ${listenerHost ? `${listenerHost}.` : '<the host of your bounce listener or inbound relay>'}`,
    why: listenerHost
      ? `bounces and complaints come back to bounces+…@${bounceDomain}: this routes them to Aviso's bounce listener (AVISO_BOUNCE_SMTP_PORT), which must be reachable there on port 25`
      : `bounces and complaints come back to bounces+…@${bounceDomain}: route them to Aviso's bounce listener (AVISO_BOUNCE_SMTP_PORT) or to a relay that forwards them to POST /v1/inbound/bounce`,
  };
}
