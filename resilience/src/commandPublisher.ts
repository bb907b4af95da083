import { create, toBinary } from '@bufbuild/protobuf';
import { PostCommandSchema } from '@verograph/contracts/posts/v1/commands';
import { Audience, PostKind } from '@verograph/contracts/posts/v1/posts';
import { newId } from '@verograph/domain';
import { continueTrace, createKafka, createProducer, topics } from '@verograph/messaging';
import { createdIdFor, publishCommand } from '@verograph/subgraph-kit';

/** A command published straight to Kafka, and when Kafka acknowledged it. */
export interface PublishedCommand {
  readonly commandId: string;
  readonly postId: string;
  readonly acknowledgedAt: number;
}

/**
 * Publishes `CreatePost` commands the way a mutation does once its checks have passed
 * (`publishCommand`: keyed by the post id, acknowledged by all in-sync replicas). This is the
 * part of the write path that needs nothing but Kafka.
 */
export async function createCommandPublisher(brokers: readonly string[]) {
  const producer = await createProducer(createKafka('resilience-commands', brokers));
  return {
    async createPost(authorId: string, caption: string): Promise<PublishedCommand> {
      const commandId = newId();
      const postId = createdIdFor(commandId, 'post');
      await publishCommand(producer, {
        topic: topics.postsCommands,
        aggregateId: postId,
        commandId,
        actorId: authorId,
        trace: continueTrace(undefined),
        encode: (envelope) =>
          toBinary(
            PostCommandSchema,
            create(PostCommandSchema, {
              envelope,
              command: {
                case: 'createPost',
                value: {
                  postId,
                  authorId,
                  kind: PostKind.TEXT,
                  audience: Audience.FOLLOWERS,
                  caption,
                  url: '',
                  tags: [],
                },
              },
            }),
          ),
      });
      return { commandId, postId, acknowledgedAt: Date.now() };
    },
    disconnect: () => producer.disconnect(),
  };
}
