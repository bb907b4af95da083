import { create, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import type { Envelope } from '@verograph/contracts/common/v1/envelope';

import type { Decoded, RecordedEvent } from './aggregateWriter.ts';
import { commandMeta, envelopeFromProto, envelopeToProto, isCommandMeta, parse } from './envelope.ts';

/*
 * Every aggregate's protobuf messages have one shape: a command is an envelope and a oneof
 * `command`, an event an envelope and a oneof `event`. What differs is how each case maps to
 * the domain, and that stays in the aggregate's codec; the frame around it is here.
 */

/** A oneof field's case, as protobuf-es gives it; `case: undefined` when none is set. */
type OneofOf<Desc extends DescMessage, Field extends string> =
  MessageShape<Desc> extends { readonly [F in Field]: infer O } ? O : never;
/** The cases a oneof names: what the aggregate's codec maps. */
type SetCase<O> = Exclude<O, { case: undefined }>;

/** The protobuf-es view of a message of either shape, for the frame that does not read the cases. */
interface Framed {
  readonly envelope?: Envelope;
  readonly command?: { readonly case: string | undefined };
  readonly event?: { readonly case: string | undefined };
}

/**
 * A commands topic's decoder: its record as a domain command (`commandOf` maps each case), or
 * why it is poison: it does not parse, its envelope is unusable, or it names no command.
 */
export function commandDecoder<Desc extends DescMessage, C>(
  schema: Desc,
  commandOf: (command: SetCase<OneofOf<Desc, 'command'>>) => C,
): (bytes: Uint8Array) => Decoded<C> {
  return (bytes) => {
    const parsed = parse(schema, bytes);
    if (!parsed.ok) return parsed;
    const message = parsed.message as Framed;
    const meta = commandMeta(message.envelope);
    if (!isCommandMeta(meta)) return meta;
    if (message.command?.case === undefined) {
      return { ok: false, code: 'UNKNOWN_COMMAND', reason: `the ${schema.name} names no command this writer knows` };
    }
    return { ok: true, meta, command: commandOf(message.command as SetCase<OneofOf<Desc, 'command'>>) };
  };
}

/** The event oneof's init, as an aggregate's codec builds it (`{ case, value }`). */
export type EventInit<Desc extends DescMessage> = NonNullable<(MessageInitShape<Desc> & { event?: unknown })['event']>;

/** An events topic's encoder: `messageOf` maps each domain event to its case of the oneof. */
export function eventEncoder<Desc extends DescMessage, E>(
  schema: Desc,
  messageOf: (event: E) => EventInit<Desc>,
): (recorded: RecordedEvent<E>) => Uint8Array {
  return ({ event, envelope }) =>
    toBinary(
      schema,
      // The init is the schema's own envelope and event; TypeScript cannot see that through Desc.
      create(schema, {
        envelope: envelopeToProto(envelope),
        event: messageOf(event),
      } as unknown as MessageInitShape<Desc>),
    );
}

/**
 * An events topic's decoder, for events this writer recorded: anything that does not decode or
 * names no event is a bug, and throws (`aggregate` names it in the message).
 */
export function eventDecoder<Desc extends DescMessage, E>(
  schema: Desc,
  aggregate: string,
  eventOf: (event: SetCase<OneofOf<Desc, 'event'>>) => E,
): (bytes: Uint8Array) => RecordedEvent<E> {
  return (bytes) => {
    const parsed = parse(schema, bytes);
    if (!parsed.ok) throw new Error(`a recorded ${aggregate} event does not decode: ${parsed.reason}`);
    const message = parsed.message as Framed;
    if (message.event?.case === undefined) throw new Error(`a recorded ${aggregate} event names no event`);
    return {
      event: eventOf(message.event as SetCase<OneofOf<Desc, 'event'>>),
      envelope: envelopeFromProto(message.envelope),
    };
  };
}
