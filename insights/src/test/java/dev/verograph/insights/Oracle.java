package dev.verograph.insights;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import verograph.posts.v1.Events.PostEvent;
import verograph.posts.v1.Posts.Audience;
import verograph.users.v1.Events.UserEvent;

/**
 * The insights computed again, in plain Java, from the same events: the reference the job's
 * results are checked against. Windows and lateness follow their definitions, not Flink's code:
 * each stream's watermark after an event is the newest event time so far minus the allowed
 * out-of-orderness, and an event counts in a window unless, when it arrived, the watermark had
 * already reached the window's last millisecond (the window had fired).
 */
final class Oracle {
  private Oracle() {}

  static final long MINUTE = 60_000;
  static final long HOUR = 60 * MINUTE;

  record Window(long start, long end) {}

  static List<Window> hop(long ts, long slide, long size) {
    List<Window> windows = new ArrayList<>();
    for (long start = Math.floorDiv(ts, slide) * slide; start > ts - size; start -= slide) {
      windows.add(new Window(start, start + size));
    }
    return windows;
  }

  static Window tumble(long ts, long size) {
    long start = Math.floorDiv(ts, size) * size;
    return new Window(start, start + size);
  }

  static long millis(com.google.protobuf.Timestamp t) {
    return t.getSeconds() * 1000 + t.getNanos() / 1_000_000;
  }

  /** The watermark under which each event of a stream (in arrival order) arrived. */
  static long[] watermarksAtArrival(List<Long> times, long outOfOrderness) {
    long[] at = new long[times.size()];
    long watermark = Long.MIN_VALUE;
    for (int i = 0; i < times.size(); i++) {
      at[i] = watermark;
      watermark = Math.max(watermark, times.get(i) - outOfOrderness);
    }
    return at;
  }

  static boolean counts(long watermark, Window w) {
    return watermark < w.end() - 1;
  }

  private static long[] postWatermarks(List<PostEvent> events, long ooo) {
    return watermarksAtArrival(events.stream().map(e -> millis(e.getEnvelope().getOccurredAt())).toList(), ooo);
  }

  private static long[] userWatermarks(List<UserEvent> events, long ooo) {
    return watermarksAtArrival(events.stream().map(e -> millis(e.getEnvelope().getOccurredAt())).toList(), ooo);
  }

  /** Trending tags as "<key>|<window>|<tag>|<uses>|<authors>|<start s>|<end s>", sorted. */
  static List<String> trendingTags(List<PostEvent> events, long ooo, int minAuthors) {
    long[] wm = postWatermarks(events, ooo);
    Map<String, Set<String>> posts = new TreeMap<>();
    Map<String, Set<String>> authors = new HashMap<>();
    for (int i = 0; i < events.size(); i++) {
      PostEvent e = events.get(i);
      if (!e.hasPostCreated() || e.getPostCreated().getAudience() != Audience.AUDIENCE_FOLLOWERS) continue;
      long ts = millis(e.getEnvelope().getOccurredAt());
      for (String tag : e.getPostCreated().getTagsList()) {
        for (String[] kind : new String[][] {{"HOUR", "60000", "3600000"}, {"DAY", "3600000", "86400000"}}) {
          for (Window w : hop(ts, Long.parseLong(kind[1]), Long.parseLong(kind[2]))) {
            if (!counts(wm[i], w)) continue;
            String k = kind[0] + "|" + tag + "|" + w.start() / 1000 + "|" + w.end() / 1000;
            posts.computeIfAbsent(k, x -> new HashSet<>()).add(e.getPostCreated().getPostId());
            authors.computeIfAbsent(k, x -> new HashSet<>()).add(e.getPostCreated().getAuthorId());
          }
        }
      }
    }
    List<String> out = new ArrayList<>();
    posts.forEach(
        (k, p) -> {
          String[] f = k.split("\\|");
          int n = authors.get(k).size();
          if (n >= minAuthors) {
            out.add(f[0] + ":" + f[1] + "|TRENDING_WINDOW_" + f[0] + "|" + f[1] + "|" + p.size() + "|" + n + "|" + f[2] + "|" + f[3]);
          }
        });
    return out.stream().sorted().toList();
  }

  /** Post engagement as "<key>|<post>|<author>|<loves>|<comments>|<start s>|<end s>", sorted. */
  static List<String> postEngagement(List<PostEvent> events, long ooo) {
    long[] wm = postWatermarks(events, ooo);
    Map<String, long[]> counts = new TreeMap<>();
    for (int i = 0; i < events.size(); i++) {
      PostEvent e = events.get(i);
      String post;
      int which;
      if (e.hasPostLoved()) {
        post = e.getPostLoved().getPostId();
        which = 0;
      } else if (e.hasCommentAdded()) {
        post = e.getCommentAdded().getPostId();
        which = 1;
      } else continue;
      Window w = tumble(millis(e.getEnvelope().getOccurredAt()), 5 * MINUTE);
      if (!counts(wm[i], w)) continue;
      counts.computeIfAbsent(post + "|" + w.start() + "|" + w.end(), x -> new long[2])[which]++;
    }
    List<String> out = new ArrayList<>();
    counts.forEach(
        (k, c) -> {
          String[] f = k.split("\\|");
          long end = Long.parseLong(f[2]);
          String author = "";
          long authorAt = Long.MIN_VALUE;
          for (PostEvent e : events) {
            long ts = millis(e.getEnvelope().getOccurredAt());
            if (e.hasPostCreated() && e.getPostCreated().getPostId().equals(f[0]) && ts <= end - 1 && ts >= authorAt) {
              author = e.getPostCreated().getAuthorId();
              authorAt = ts;
            }
          }
          out.add(f[0] + "|" + f[0] + "|" + author + "|" + c[0] + "|" + c[1] + "|" + Long.parseLong(f[1]) / 1000 + "|" + end / 1000);
        });
    return out.stream().sorted().toList();
  }

  /** Follower changes as "<key>|<user>|<gained>|<lost>|<start s>|<end s>", sorted. */
  static List<String> followerChanges(List<UserEvent> events, long ooo) {
    long[] wm = userWatermarks(events, ooo);
    Map<String, long[]> counts = new TreeMap<>();
    for (int i = 0; i < events.size(); i++) {
      UserEvent e = events.get(i);
      String user;
      int which;
      if (e.hasFollowed()) {
        user = e.getFollowed().getFolloweeId();
        which = 0;
      } else if (e.hasUnfollowed()) {
        user = e.getUnfollowed().getFolloweeId();
        which = 1;
      } else continue;
      Window w = tumble(millis(e.getEnvelope().getOccurredAt()), HOUR);
      if (!counts(wm[i], w)) continue;
      counts.computeIfAbsent(user + "|" + w.start() / 1000 + "|" + w.end() / 1000, x -> new long[2])[which]++;
    }
    List<String> out = new ArrayList<>();
    counts.forEach(
        (k, c) -> {
          String[] f = k.split("\\|");
          out.add(f[0] + "|" + f[0] + "|" + c[0] + "|" + c[1] + "|" + f[1] + "|" + f[2]);
        });
    return out.stream().sorted().toList();
  }

  /**
   * Throttles as "<key>|<user>|<action>|<until s>|<attempts>|<limit>", sorted: for every step of
   * every minute, the user's count of the action from the minute's start to the step's end, when
   * it is past the limit. (The scenarios have no late guarded action; this checks that.)
   */
  static List<String> throttles(
      List<PostEvent> posts, List<UserEvent> users, long ooo, Map<String, Integer> limits, int stepSeconds) {
    Map<String, List<Long>> times = new TreeMap<>();
    long[] pw = postWatermarks(posts, ooo);
    for (int i = 0; i < posts.size(); i++) {
      PostEvent e = posts.get(i);
      if (e.hasCommentAdded()) add(times, e.getCommentAdded().getAuthorId(), "COMMENT", e.getEnvelope(), pw[i]);
    }
    long[] uw = userWatermarks(users, ooo);
    for (int i = 0; i < users.size(); i++) {
      UserEvent e = users.get(i);
      if (e.hasFollowed()) add(times, e.getFollowed().getFollowerId(), "FOLLOW", e.getEnvelope(), uw[i]);
      if (e.hasConnectionRequested()) {
        add(times, e.getConnectionRequested().getRequesterId(), "CONNECTION_REQUEST", e.getEnvelope(), uw[i]);
      }
    }
    List<String> out = new ArrayList<>();
    times.forEach(
        (k, ts) -> {
          String[] f = k.split("\\|");
          long minute = Long.parseLong(f[2]);
          int limit = limits.get(f[1]);
          for (long end = minute + stepSeconds * 1000L; end <= minute + MINUTE; end += stepSeconds * 1000L) {
            long endAt = end;
            long n = ts.stream().filter(t -> t < endAt).count();
            if (n > limit) {
              out.add(f[0] + ":" + f[1] + "|" + f[0] + "|THROTTLED_ACTION_" + f[1] + "|" + (minute + MINUTE) / 1000 + "|" + n + "|" + limit);
            }
          }
        });
    return out.stream().sorted().toList();
  }

  private static void add(
      Map<String, List<Long>> times, String user, String action, verograph.common.v1.EnvelopeOuterClass.Envelope envelope, long watermark) {
    long ts = millis(envelope.getOccurredAt());
    Window minute = tumble(ts, MINUTE);
    if (ts <= watermark) {
      throw new IllegalStateException("a scenario's guarded action may not be late: " + envelope);
    }
    times.computeIfAbsent(user + "|" + action + "|" + minute.start(), x -> new ArrayList<>()).add(ts);
  }
}
