import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.core.WhitespaceTokenizer;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenFilter;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenizer;
import org.apache.lucene.analysis.ngram.NGramTokenFilter;
import org.apache.lucene.analysis.ngram.NGramTokenizer;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.index.IndexSettings;
import org.elasticsearch.index.analysis.NormalizingTokenFilterFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.MockPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.transport.netty4.Netty4Plugin;

/**
 * Runs one real Elasticsearch node in the foreground for the local stack.
 *
 * <p>Elastic's own entry point (org.elasticsearch.bootstrap.Elasticsearch) is not usable here: it
 * expects the server CLI, which is not on Maven Central, to pass its arguments over stdin, and it
 * installs the security manager and refuses to run as root. The {@link Node} it wraps needs none
 * of that, so we build the same node ourselves. Modules normally come from the distribution's
 * modules/ folder; here they are plugin classes on the classpath, handed over through the test
 * framework's MockPluginsService (the only published way to do so).
 *
 * <p>Usage: {@code ElasticsearchLauncher <home>}, where {@code <home>/config} holds
 * elasticsearch.yml and log4j2.properties.
 */
public final class ElasticsearchLauncher {
  private ElasticsearchLauncher() {}

  /** Opens the protected constructor that accepts a custom plugins service. */
  private static final class LocalNode extends Node {
    LocalNode(Environment environment, List<Class<? extends Plugin>> plugins) {
      super(environment, settings -> new MockPluginsService(settings, environment, plugins), true);
    }
  }

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: ElasticsearchLauncher <home>");
      System.exit(2);
    }
    try {
      run(Path.of(args[0]).toAbsolutePath());
    } catch (Throwable failure) {
      // The node's threads are not daemons; without an explicit exit a failed start would
      // leave a JVM that serves nothing but still looks alive to the stack CLI.
      failure.printStackTrace();
      System.exit(1);
    }
  }

  private static void run(Path home) throws Exception {
    Settings input = Settings.builder().put("path.home", home.toString()).build();
    Environment environment =
        InternalSettingsPreparer.prepareEnvironment(input, Map.of(), home.resolve("config"), () -> "local");
    LogConfigurator.registerErrorListener();
    LogConfigurator.setNodeName(Node.NODE_NAME_SETTING.get(environment.settings()));
    LogConfigurator.configure(environment, true);

    Node node = new LocalNode(environment, List.of(Netty4Plugin.class, LocalAnalysisPlugin.class));
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        // Flushes and closes shards so that the next start needs no translog replay.
        node.close();
        if (!node.awaitClose(20, TimeUnit.SECONDS)) System.err.println("node did not close within 20 s");
      } catch (Exception e) {
        e.printStackTrace();
      } finally {
        closed.countDown();
      }
    }, "elasticsearch-shutdown"));
    node.start();
    // Keeps the main thread, and with it the JVM, alive until SIGTERM has closed the node.
    closed.await();
  }

  /**
   * The most used parts of the analysis-common module, which Elastic does not publish to Maven
   * Central: the n-gram and edge n-gram tokenizers and filters (search-as-you-type on text
   * fields), the keyword and whitespace tokenizers, and ASCII folding. The server itself already
   * provides the standard, simple, whitespace, stop and keyword analyzers and the standard
   * tokenizer with the lowercase, stop and shingle filters. Settings follow the documented ones
   * of the same names, so index templates written against this node work on a full distribution.
   */
  public static final class LocalAnalysisPlugin extends Plugin implements AnalysisPlugin {
    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
      return Map.of(
          "keyword", (index, env, name, settings) -> {
            int bufferSize = settings.getAsInt("buffer_size", 256);
            return TokenizerFactory.newFactory(name, () -> new KeywordTokenizer(bufferSize));
          },
          "whitespace", (index, env, name, settings) -> {
            int maxLength = settings.getAsInt("max_token_length", 255);
            return TokenizerFactory.newFactory(name, () -> new WhitespaceTokenizer(maxLength));
          },
          "ngram", (index, env, name, settings) -> {
            Grams grams = Grams.of(index, settings, true);
            CharClasses chars = CharClasses.of(settings);
            return TokenizerFactory.newFactory(name, () -> new NGramTokenizer(grams.min, grams.max) {
              @Override
              protected boolean isTokenChar(int c) {
                return chars.accepts(c);
              }
            });
          },
          "edge_ngram", (index, env, name, settings) -> {
            Grams grams = Grams.of(index, settings, false);
            CharClasses chars = CharClasses.of(settings);
            return TokenizerFactory.newFactory(name, () -> new EdgeNGramTokenizer(grams.min, grams.max) {
              @Override
              protected boolean isTokenChar(int c) {
                return chars.accepts(c);
              }
            });
          });
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
      return Map.of(
          "asciifolding", (index, env, name, settings) -> {
            boolean preserveOriginal = settings.getAsBoolean("preserve_original", false);
            // Normalizing: keyword normalizers (lowercase + asciifolding) are its commonest use.
            return new NormalizingTokenFilterFactory() {
              @Override
              public String name() {
                return name;
              }

              @Override
              public TokenStream create(TokenStream input) {
                return new ASCIIFoldingFilter(input, preserveOriginal);
              }
            };
          },
          "ngram", (index, env, name, settings) -> {
            Grams grams = Grams.of(index, settings, true);
            boolean preserveOriginal = settings.getAsBoolean("preserve_original", false);
            return filter(name, input -> new NGramTokenFilter(input, grams.min, grams.max, preserveOriginal));
          },
          "edge_ngram", (index, env, name, settings) -> {
            Grams grams = Grams.of(index, settings, false);
            boolean preserveOriginal = settings.getAsBoolean("preserve_original", false);
            return filter(name, input -> new EdgeNGramTokenFilter(input, grams.min, grams.max, preserveOriginal));
          });
    }

    private static TokenFilterFactory filter(String name, java.util.function.UnaryOperator<TokenStream> wrap) {
      return new TokenFilterFactory() {
        @Override
        public String name() {
          return name;
        }

        @Override
        public TokenStream create(TokenStream input) {
          return wrap.apply(input);
        }
      };
    }
  }

  private record Grams(int min, int max) {
    /**
     * Elasticsearch bounds max_gram - min_gram for n-grams by index.max_ngram_diff (default 1)
     * because wide ranges explode the index; keeping the check makes local and real clusters
     * reject the same templates.
     */
    static Grams of(IndexSettings index, Settings settings, boolean boundedByIndexSetting) {
      int min = settings.getAsInt("min_gram", 1);
      int max = settings.getAsInt("max_gram", 2);
      if (min < 1 || max < min) {
        throw new IllegalArgumentException("need 1 <= min_gram <= max_gram, got [" + min + "] and [" + max + "]");
      }
      if (boundedByIndexSetting && max - min > index.getMaxNgramDiff()) {
        throw new IllegalArgumentException("max_gram - min_gram is [" + (max - min) + "], above the index's ["
            + IndexSettings.MAX_NGRAM_DIFF_SETTING.getKey() + "] of [" + index.getMaxNgramDiff() + "]");
      }
      return new Grams(min, max);
    }
  }

  /** The token_chars setting: which character classes stay inside a token (all when empty). */
  private record CharClasses(Set<String> classes) {
    private static final Set<String> KNOWN = Set.of("letter", "digit", "whitespace", "punctuation", "symbol");

    static CharClasses of(Settings settings) {
      Set<String> classes = new HashSet<>();
      for (String value : settings.getAsList("token_chars")) {
        String key = value.toLowerCase(Locale.ROOT).trim();
        if (!KNOWN.contains(key)) {
          throw new IllegalArgumentException("token_chars: [" + value + "] is none of " + KNOWN);
        }
        classes.add(key);
      }
      return new CharClasses(Set.copyOf(classes));
    }

    boolean accepts(int c) {
      if (classes.isEmpty()) return true;
      if (Character.isLetter(c)) return classes.contains("letter");
      if (Character.isDigit(c)) return classes.contains("digit");
      if (Character.isWhitespace(c)) return classes.contains("whitespace");
      return switch (Character.getType(c)) {
        case Character.START_PUNCTUATION, Character.END_PUNCTUATION, Character.OTHER_PUNCTUATION,
            Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
            Character.FINAL_QUOTE_PUNCTUATION -> classes.contains("punctuation");
        case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
            Character.OTHER_SYMBOL -> classes.contains("symbol");
        default -> false;
      };
    }
  }
}
