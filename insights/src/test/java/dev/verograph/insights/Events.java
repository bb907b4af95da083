package dev.verograph.insights;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import verograph.common.v1.EnvelopeOuterClass.Envelope;
import verograph.posts.v1.Events.CommentAdded;
import verograph.posts.v1.Events.PostCreated;
import verograph.posts.v1.Events.PostEvent;
import verograph.posts.v1.Events.PostLoved;
import verograph.posts.v1.Posts.Audience;
import verograph.users.v1.Events.ConnectionRequested;
import verograph.users.v1.Events.Followed;
import verograph.users.v1.Events.Unfollowed;
import verograph.users.v1.Events.UserEvent;

/** The events the tests feed the job, built with the classes generated from proto/ as the writers' are. */
final class Events {
  private Events() {}

  private static final AtomicLong IDS = new AtomicLong();

  static Envelope envelope(String aggregateId, Instant at) {
    return Envelope.newBuilder()
        .setMessageId("m-" + IDS.incrementAndGet())
        .setCommandId("c-" + IDS.get())
        .setAggregateId(aggregateId)
        .setActorId("actor")
        .setOccurredAt(Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()))
        .build();
  }

  static PostEvent postCreated(Instant at, String postId, String authorId, Audience audience, String... tags) {
    return PostEvent.newBuilder()
        .setEnvelope(envelope(postId, at))
        .setPostCreated(
            PostCreated.newBuilder()
                .setPostId(postId)
                .setAuthorId(authorId)
                .setAudience(audience)
                .setCaption("caption")
                .addAllTags(List.of(tags)))
        .build();
  }

  static PostEvent loved(Instant at, String postId, String userId) {
    return PostEvent.newBuilder()
        .setEnvelope(envelope(postId, at))
        .setPostLoved(PostLoved.newBuilder().setPostId(postId).setUserId(userId).setLoveCount(1))
        .build();
  }

  static PostEvent commented(Instant at, String postId, String authorId) {
    return PostEvent.newBuilder()
        .setEnvelope(envelope(postId, at))
        .setCommentAdded(
            CommentAdded.newBuilder()
                .setPostId(postId)
                .setCommentId("comment-" + IDS.incrementAndGet())
                .setAuthorId(authorId)
                .setText("hello"))
        .build();
  }

  static UserEvent followed(Instant at, String followerId, String followeeId) {
    return UserEvent.newBuilder()
        .setEnvelope(envelope(followerId, at))
        .setFollowed(Followed.newBuilder().setFollowerId(followerId).setFolloweeId(followeeId))
        .build();
  }

  static UserEvent unfollowed(Instant at, String followerId, String followeeId) {
    return UserEvent.newBuilder()
        .setEnvelope(envelope(followerId, at))
        .setUnfollowed(Unfollowed.newBuilder().setFollowerId(followerId).setFolloweeId(followeeId))
        .build();
  }

  static UserEvent connectionRequested(Instant at, String requesterId, String addresseeId) {
    return UserEvent.newBuilder()
        .setEnvelope(envelope(requesterId, at))
        .setConnectionRequested(
            ConnectionRequested.newBuilder().setRequesterId(requesterId).setAddresseeId(addresseeId))
        .build();
  }
}
