// Types for the parts of the `smpp` package (0.5.x, plain JavaScript) that Aviso uses: the
// client session, the server for the test SMSC, its GSM 03.38 coder and its status table.
// PDU fields carry the SMPP v3.4 parameter and TLV names, as the package does.
declare module 'smpp' {
  import type { LookupFunction, Server as NetServer, Socket } from 'node:net';

  /** short_message or message_payload as the package decodes them: UDH split off when esm_class says so. */
  export interface DecodedMessage {
    udh?: Buffer[];
    /** Text for the data codings the package knows, the raw octets for the others. */
    message: string | Buffer;
  }

  /** Parameters given to a PDU. A Buffer short_message is sent as it is. */
  export interface PduOptions {
    command_status?: number;
    system_id?: string;
    password?: string;
    system_type?: string;
    source_addr_ton?: number;
    source_addr_npi?: number;
    source_addr?: string;
    dest_addr_ton?: number;
    dest_addr_npi?: number;
    destination_addr?: string;
    esm_class?: number;
    registered_delivery?: number;
    data_coding?: number;
    /** A string is sent as it is when longer than 12 characters (an absolute or relative time). */
    validity_period?: string;
    short_message?: Buffer | string;
    message_id?: string;
    receipted_message_id?: string;
    message_state?: number;
  }

  /** A received PDU, its parameters decoded. */
  export interface PDU {
    command: string;
    command_status: number;
    sequence_number: number;
    system_id?: string;
    password?: string;
    source_addr?: string;
    destination_addr?: string;
    esm_class?: number;
    data_coding?: number;
    short_message?: DecodedMessage;
    message_payload?: DecodedMessage;
    message_id?: string;
    receipted_message_id?: string;
    message_state?: number;
    /** The answer to this PDU, with its sequence number. */
    response(options?: PduOptions): PDU;
  }

  type ResponseCallback = (pdu: PDU) => void;

  export interface Session {
    socket: Socket;
    /** false when the socket is not writable: the PDU was not sent and the callback never runs. */
    send(pdu: PDU, callback?: ResponseCallback): boolean;
    bind_transceiver(options: PduOptions, callback: ResponseCallback): boolean;
    submit_sm(options: PduOptions, callback: ResponseCallback): boolean;
    deliver_sm(options: PduOptions, callback: ResponseCallback): boolean;
    enquire_link(options: PduOptions, callback: ResponseCallback): boolean;
    unbind(options: PduOptions, callback: ResponseCallback): boolean;
    /** Ends the socket. */
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    on(event: 'connect' | 'secureConnect' | 'close', listener: () => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    /** Every PDU as 'pdu', and each under its command name ('deliver_sm', 'submit_sm', …). */
    on(event: string, listener: (pdu: PDU) => void): this;
  }

  export interface Server extends NetServer {
    /** The open sessions. */
    sessions: Session[];
  }

  interface Smpp {
    /** The options go to net.connect or tls.connect as they are. */
    connect(options: { host: string; port: number; tls?: boolean; lookup?: LookupFunction }): Session;
    createServer(listener: (session: Session) => void): Server;
    /** GSM 03.38, one septet per octet; table 0 is the default alphabet. */
    gsmCoder: { encode(text: string, table: number): Buffer; decode(octets: Buffer, table: number): string };
    /** Command status names (ESME_RTHROTTLED, …) to their codes. */
    errors: Record<string, number>;
  }

  const smpp: Smpp;
  export default smpp;
}
