package dev.verograph.insights;

import static dev.verograph.insights.Events.*;

import com.google.protobuf.MessageLite;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.ToLongFunction;
import verograph.posts.v1.Events.PostEvent;
import verograph.posts.v1.Posts.Audience;
import verograph.users.v1.Events.UserEvent;

/**
 * Three hours of posts, loves, comments, follows and connection requests, from a fixed seed:
 * random traffic plus the cases each insight must get right (a tag just under and just at the
 * distinct-author threshold, a tag only in non-FOLLOWERS posts, a love on a post the job never
 * saw created, floods just over and exactly at each limit), delivered out of order within the
 * allowed bound, with a few events arriving later than the bound.
 */
final class Scenario {
  static final Instant BASE = Instant.parse("2026-01-01T10:00:00Z");
  static final String[] TAGS = {"rust", "flink", "cats", "jazz", "tea"};

  final List<PostEvent> posts;
  final List<UserEvent> users;
  /** Events delivered past the allowed out-of-orderness, with when they happened. */
  final PostEvent lateLove;
  final PostEvent lateTrendingPost;
  final UserEvent lateUnfollow;

  Scenario(long seed) {
    Random random = new Random(seed);
    List<PostEvent> p = new ArrayList<>();
    Audience[] others = {Audience.AUDIENCE_CLOSE_FRIENDS, Audience.AUDIENCE_FRIENDS, Audience.AUDIENCE_ACQUAINTANCES};
    for (int i = 0; i < 300; i++) {
      Instant at = BASE.plusMillis(random.nextLong(3 * 3_600_000L));
      Audience audience = random.nextDouble() < 0.7 ? Audience.AUDIENCE_FOLLOWERS : others[random.nextInt(3)];
      String first = TAGS[random.nextInt(TAGS.length)];
      String second = TAGS[random.nextInt(TAGS.length)];
      String[] tags = first.equals(second) ? new String[] {first} : new String[] {first, second};
      p.add(postCreated(at, "post-" + i, "author-" + random.nextInt(12), audience, tags));
    }
    // Four authors, twelve posts: busy, but under the threshold of five distinct authors.
    for (int i = 0; i < 12; i++) {
      p.add(postCreated(at(20, i * 40), "quiet-" + i, "quiet-author-" + (i % 4), Audience.AUDIENCE_FOLLOWERS, "quiet"));
    }
    for (int i = 0; i < 5; i++) {
      p.add(postCreated(at(40, i * 50), "five-" + i, "five-author-" + i, Audience.AUDIENCE_FOLLOWERS, "five"));
    }
    for (int i = 0; i < 10; i++) {
      p.add(postCreated(at(50, i * 10), "friends-" + i, "friends-author-" + i, Audience.AUDIENCE_FRIENDS, "friendsonly"));
    }
    for (int i = 0; i < 10; i++) p.add(postCreated(at(1, i), "engaged-" + i, "engaged-author-" + i, Audience.AUDIENCE_FRIENDS));
    for (int i = 0; i < 150; i++) {
      Instant at = BASE.plusMillis(61_000 + random.nextLong(39 * 60_000L));
      String post = "engaged-" + random.nextInt(10);
      String fan = "fan-" + random.nextInt(30);
      p.add(random.nextBoolean() ? loved(at, post, fan) : commented(at, post, fan));
    }
    p.add(loved(at(10, 0), "ghost", "fan-0"));
    // One over the comment limit (20 a minute), and one exactly at it.
    for (int i = 0; i < 25; i++) p.add(commented(at(90, i * 2), "engaged-0", "flooder"));
    for (int i = 0; i < 20; i++) p.add(commented(at(92, i * 2), "engaged-1", "calm"));

    List<UserEvent> u = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      Instant at = BASE.plusMillis(random.nextLong(3 * 3_600_000L));
      String follower = "reader-" + random.nextInt(50);
      String followee = "star-" + random.nextInt(5);
      u.add(random.nextDouble() < 0.7 ? followed(at, follower, followee) : unfollowed(at, follower, followee));
    }
    // Follows: limit 30 a minute; connection requests: limit 10.
    for (int i = 0; i < 31; i++) u.add(followed(at(100, i), "follow-flooder", "star-" + (i % 5)));
    for (int i = 0; i < 11; i++) u.add(connectionRequested(at(110, i * 3), "requester", "someone-" + i));
    for (int i = 0; i < 10; i++) u.add(connectionRequested(at(112, i * 3), "polite", "someone-" + i));

    List<PostEvent> postArrivals = arrivalOrder(p, random, e -> Oracle.millis(e.getEnvelope().getOccurredAt()));
    List<UserEvent> userArrivals = arrivalOrder(u, random, e -> Oracle.millis(e.getEnvelope().getOccurredAt()));

    // Late: its five-minute window [10:10, 10:15) fired long before it arrives, after 11:00.
    lateLove = loved(at(12, 0), "engaged-3", "fan-late");
    insertAfter(postArrivals, lateLove, BASE.plus(Duration.ofMinutes(60)));
    // Late by three minutes: the sliding hours that ended in those minutes have fired, the later
    // ones still take it.
    lateTrendingPost = postCreated(at(67, 0), "late-post", "late-author", Audience.AUDIENCE_FOLLOWERS, "rust");
    insertAfter(postArrivals, lateTrendingPost, BASE.plus(Duration.ofMinutes(70)));
    lateUnfollow = unfollowed(at(30, 0), "reader-late", "star-0");
    insertAfter(userArrivals, lateUnfollow, BASE.plus(Duration.ofMinutes(121)));
    posts = List.copyOf(postArrivals);
    users = List.copyOf(userArrivals);
  }

  private static Instant at(int minutes, int seconds) {
    return BASE.plus(Duration.ofMinutes(minutes)).plusSeconds(seconds);
  }

  /**
   * Each event delayed by up to 4 s (under the allowed 5 s): an event may overtake one up to 4 s
   * older, so the order is shuffled but nothing arrives late.
   */
  private static <T> List<T> arrivalOrder(List<T> events, Random random, ToLongFunction<T> time) {
    record Arrival<T>(long at, T event) {}
    List<Arrival<T>> arrivals = new ArrayList<>();
    for (T e : events) arrivals.add(new Arrival<>(time.applyAsLong(e) + random.nextInt(4_000), e));
    arrivals.sort(Comparator.comparingLong(Arrival::at));
    List<T> out = new ArrayList<>();
    for (Arrival<T> a : arrivals) out.add(a.event());
    return out;
  }

  /** Inserts a late event right after the first event at or past {@code when}. */
  private static <T extends MessageLite> void insertAfter(List<T> arrivals, T late, Instant when) {
    for (int i = 0; i < arrivals.size(); i++) {
      com.google.protobuf.Timestamp t =
          arrivals.get(i) instanceof PostEvent pe ? pe.getEnvelope().getOccurredAt() : ((UserEvent) arrivals.get(i)).getEnvelope().getOccurredAt();
      if (Oracle.millis(t) >= when.toEpochMilli()) {
        arrivals.add(i + 1, late);
        return;
      }
    }
    throw new IllegalStateException("no event at or after " + when);
  }
}
