package dev.verograph.insights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import verograph.insights.v1.Insights.FollowerChangeBucket;
import verograph.insights.v1.Insights.PostEngagementBucket;
import verograph.insights.v1.Insights.Throttle;
import verograph.insights.v1.Insights.TrendingTagResult;

/**
 * The whole job on Flink's MiniCluster over one scenario (three hours of events, out of order
 * within the bound and some late), each insight checked against {@link Oracle}'s independent
 * computation from the same events, plus the cases named one by one.
 */
class InsightsJobTest {
  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

  static final long OOO = InsightsHarness.OUT_OF_ORDERNESS.toMillis();
  static final InsightsConfig CONFIG = InsightsConfig.fromEnv(Map.of());
  static Scenario scenario;
  static InsightsHarness.Published published;

  @BeforeAll
  static void runTheJob() throws Exception {
    scenario = new Scenario(16);
    published = InsightsHarness.run(scenario.posts, scenario.users, CONFIG);
  }

  static List<String> trending() {
    return published.of("insights.trending_tags").stream()
        .map(
            r -> {
              TrendingTagResult m = parse(() -> TrendingTagResult.parseFrom(r.value()));
              return r.key() + "|" + m.getWindow().name() + "|" + m.getTag() + "|" + m.getUses() + "|" + m.getAuthors()
                  + "|" + m.getWindowStart().getSeconds() + "|" + m.getWindowEnd().getSeconds();
            })
        .sorted()
        .toList();
  }

  static List<String> engagement() {
    return published.of("insights.post_engagement").stream()
        .map(
            r -> {
              PostEngagementBucket m = parse(() -> PostEngagementBucket.parseFrom(r.value()));
              return r.key() + "|" + m.getPostId() + "|" + m.getAuthorId() + "|" + m.getLoves() + "|" + m.getComments()
                  + "|" + m.getWindowStart().getSeconds() + "|" + m.getWindowEnd().getSeconds();
            })
        .sorted()
        .toList();
  }

  static List<String> followers() {
    return published.of("insights.follower_changes").stream()
        .map(
            r -> {
              FollowerChangeBucket m = parse(() -> FollowerChangeBucket.parseFrom(r.value()));
              return r.key() + "|" + m.getUserId() + "|" + m.getGained() + "|" + m.getLost() + "|"
                  + m.getWindowStart().getSeconds() + "|" + m.getWindowEnd().getSeconds();
            })
        .sorted()
        .toList();
  }

  static List<String> throttles() {
    return published.of("insights.throttles").stream()
        .map(
            r -> {
              Throttle m = parse(() -> Throttle.parseFrom(r.value()));
              return r.key() + "|" + m.getUserId() + "|" + m.getAction().name() + "|" + m.getUntil().getSeconds() + "|"
                  + m.getAttempts() + "|" + m.getLimit();
            })
        .sorted()
        .toList();
  }

  @Test
  void trendingTagsEqualTheReferenceOverSlidingHoursAndDays() {
    List<String> expected = Oracle.trendingTags(scenario.posts, OOO, CONFIG.trendingMinAuthors());
    assertTrue(expected.size() > 100, "the scenario makes tags trend");
    assertTrue(expected.stream().anyMatch(r -> r.startsWith("DAY:")), "and over days");
    assertEquals(expected, trending());
  }

  @Test
  void aTagIsListedOnlyWithFiveDistinctAuthorsAndOnlyFromFollowersPosts() {
    List<String> results = trending();
    assertFalse(results.stream().anyMatch(r -> r.contains("|quiet|")), "4 authors, 12 posts: not listed");
    assertFalse(results.stream().anyMatch(r -> r.contains("|friendsonly|")), "FRIENDS posts never count");
    List<String> five = results.stream().filter(r -> r.startsWith("HOUR:five|")).toList();
    assertFalse(five.isEmpty(), "5 distinct authors: listed");
    // The hours that hold all five posts (10:40:00 to 10:43:20) list it with 5 uses by 5 authors.
    assertTrue(five.stream().allMatch(r -> r.contains("|five|5|5|")), five.toString());
  }

  @Test
  void aTrendingResultCarriesNoPostIdAndNoAuthor() {
    Stream<String> identities =
        scenario.posts.stream()
            .filter(e -> e.hasPostCreated())
            .flatMap(e -> Stream.of(e.getPostCreated().getPostId(), e.getPostCreated().getAuthorId()));
    List<String> ids = identities.distinct().toList();
    for (var record : published.of("insights.trending_tags")) {
      String text = new String(record.value(), StandardCharsets.ISO_8859_1) + record.key();
      for (String id : ids) assertFalse(text.contains(id), id + " in a trending result");
      TrendingTagResult m = parse(() -> TrendingTagResult.parseFrom(record.value()));
      assertTrue(m.getUnknownFields().asMap().isEmpty());
    }
  }

  @Test
  void postEngagementEqualsTheReferenceWithItsAuthor() {
    List<String> expected = Oracle.postEngagement(scenario.posts, OOO);
    assertTrue(expected.size() > 40, "the scenario has engagement in many buckets");
    assertEquals(expected, engagement());
    assertTrue(engagement().stream().anyMatch(r -> r.startsWith("engaged-0|engaged-0|engaged-author-0|")));
    // A love on a post whose creation the job never read still counts, with no author.
    assertTrue(engagement().contains("ghost|ghost||1|0|" + (Scenario.BASE.getEpochSecond() + 600) + "|"
        + (Scenario.BASE.getEpochSecond() + 900)));
  }

  @Test
  void followerChangesEqualTheReference() {
    List<String> expected = Oracle.followerChanges(scenario.users, OOO);
    assertTrue(expected.size() >= 15, "five users over three hours");
    assertEquals(expected, followers());
  }

  @Test
  void aLateEventIsDroppedFromTheWindowsThatHadFired() {
    long base = Scenario.BASE.getEpochSecond();
    // The late love's five-minute window [10:10, 10:15) had fired: its count is what the others made.
    long onTimeLoves =
        scenario.posts.stream()
            .filter(e -> e.hasPostLoved() && e != scenario.lateLove && e.getPostLoved().getPostId().equals("engaged-3"))
            .filter(e -> Oracle.tumble(Oracle.millis(e.getEnvelope().getOccurredAt()), 5 * Oracle.MINUTE).start() / 1000 == base + 600)
            .count();
    assertTrue(
        engagement().stream()
            .filter(r -> r.startsWith("engaged-3|") && r.endsWith("|" + (base + 600) + "|" + (base + 900)))
            .allMatch(r -> r.split("\\|")[3].equals(Long.toString(onTimeLoves))));
    // The late unfollow (10:30, arriving after 12:01): the hour [10:00, 11:00) had fired without it.
    assertTrue(Oracle.followerChanges(scenario.users, OOO).equals(followers()));
    long lostInFirstHour =
        scenario.users.stream()
            .filter(e -> e.hasUnfollowed() && e.getUnfollowed().getFolloweeId().equals("star-0"))
            .filter(e -> Oracle.millis(e.getEnvelope().getOccurredAt()) < (base + 3600) * 1000)
            .count();
    String firstHour =
        followers().stream().filter(r -> r.startsWith("star-0|") && r.endsWith("|" + base + "|" + (base + 3600))).findFirst().orElseThrow();
    assertEquals(lostInFirstHour - 1, Long.parseLong(firstHour.split("\\|")[3]), "counted without the late unfollow");
    // The post three minutes late counts in the sliding hours still open when it arrived, and in no other.
    List<String> without = Oracle.trendingTags(scenario.posts.stream().filter(e -> e != scenario.lateTrendingPost).toList(), OOO, 5);
    List<String> ignoringLateness = Oracle.trendingTags(scenario.posts, Long.MAX_VALUE / 4, 5);
    assertFalse(trending().equals(without), "the late post counts in the hours still open");
    assertFalse(trending().equals(ignoringLateness), "and not in the ones that had fired");
  }

  @Test
  void theFloodGuardThrottlesAUserPastTheLimitUntilTheMinuteEnds() {
    Map<String, Integer> limits =
        Map.of(
            "COMMENT", CONFIG.floodCommentsPerMinute(),
            "FOLLOW", CONFIG.floodFollowsPerMinute(),
            "CONNECTION_REQUEST", CONFIG.floodConnectionRequestsPerMinute());
    List<String> expected = Oracle.throttles(scenario.posts, scenario.users, OOO, limits, CONFIG.floodStepSeconds());
    assertEquals(expected, throttles());
    long base = Scenario.BASE.getEpochSecond();
    List<String> results = throttles();
    // 25 comments from 11:30:00, 2 s apart: past 20 at 11:30:40, so from the step ending 11:30:45.
    assertEquals(
        List.of(
            "flooder:COMMENT|flooder|THROTTLED_ACTION_COMMENT|" + (base + 91 * 60) + "|23|20",
            "flooder:COMMENT|flooder|THROTTLED_ACTION_COMMENT|" + (base + 91 * 60) + "|25|20",
            "flooder:COMMENT|flooder|THROTTLED_ACTION_COMMENT|" + (base + 91 * 60) + "|25|20",
            "flooder:COMMENT|flooder|THROTTLED_ACTION_COMMENT|" + (base + 91 * 60) + "|25|20"),
        results.stream().filter(r -> r.startsWith("flooder:")).toList());
    assertTrue(results.stream().anyMatch(r -> r.startsWith("follow-flooder:FOLLOW|follow-flooder|THROTTLED_ACTION_FOLLOW|" + (base + 101 * 60) + "|31|30")));
    assertTrue(results.stream().anyMatch(r -> r.startsWith("requester:CONNECTION_REQUEST|") && r.endsWith("|11|10")));
    assertFalse(results.stream().anyMatch(r -> r.startsWith("calm:") || r.startsWith("polite:")), "exactly at the limit");
    assertTrue(results.stream().allMatch(r -> r.startsWith("flooder:") || r.startsWith("follow-flooder:") || r.startsWith("requester:")), results.toString());
  }

  interface Parse<T> {
    T get() throws InvalidProtocolBufferException;
  }

  static <T> T parse(Parse<T> parse) {
    try {
      return parse.get();
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("a published value is not its protobuf message", e);
    }
  }
}
