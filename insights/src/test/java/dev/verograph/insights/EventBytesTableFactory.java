package dev.verograph.insights;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.source.SourceProvider;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DeserializationFormatFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.types.DataType;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;

/**
 * A bounded test source of serialized records, read in the order given with one reader, and
 * decoded by the table's format: the tests feed the job the same protobuf bytes that Kafka would
 * carry, through the same flink-protobuf decoding, without a broker.
 */
public final class EventBytesTableFactory implements DynamicTableSourceFactory {
  static final String IDENTIFIER = "insights-test-bytes";
  static final ConfigOption<String> DATA_ID = ConfigOptions.key("data-id").stringType().noDefaultValue();
  private static final Map<String, List<byte[]>> DATA = new ConcurrentHashMap<>();

  /** Registers records for a table whose 'data-id' is {@code id}. */
  static void register(String id, List<byte[]> records) {
    DATA.put(id, List.copyOf(records));
  }

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of(DATA_ID, FactoryUtil.FORMAT);
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return Set.of();
  }

  @Override
  public DynamicTableSource createDynamicTableSource(Context context) {
    FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
    DecodingFormat<DeserializationSchema<RowData>> format =
        helper.discoverDecodingFormat(DeserializationFormatFactory.class, FactoryUtil.FORMAT);
    helper.validate();
    return new Source(format, context.getPhysicalRowDataType(), helper.getOptions().get(DATA_ID));
  }

  private record Source(DecodingFormat<DeserializationSchema<RowData>> format, DataType type, String dataId)
      implements ScanTableSource {
    @Override
    public ChangelogMode getChangelogMode() {
      return ChangelogMode.insertOnly();
    }

    @Override
    public ScanRuntimeProvider getScanRuntimeProvider(ScanContext context) {
      DeserializationSchema<RowData> decoder = format.createRuntimeDecoder(context, type);
      TypeInformation<RowData> typeInfo = context.createTypeInformation(type);
      List<byte[]> records = DATA.get(dataId);
      if (records == null) throw new IllegalStateException("no records registered as " + dataId);
      return SourceProvider.of(new DataGeneratorSource<>(new Decode(decoder, records), records.size(), typeInfo));
    }

    @Override
    public DynamicTableSource copy() {
      return new Source(format, type, dataId);
    }

    @Override
    public String asSummaryString() {
      return IDENTIFIER;
    }
  }

  private static final class Decode implements GeneratorFunction<Long, RowData> {
    private final DeserializationSchema<RowData> decoder;
    private final List<byte[]> records;

    Decode(DeserializationSchema<RowData> decoder, List<byte[]> records) {
      this.decoder = decoder;
      this.records = records;
    }

    @Override
    public void open(SourceReaderContext context) throws Exception {
      decoder.open(
          new DeserializationSchema.InitializationContext() {
            @Override
            public MetricGroup getMetricGroup() {
              return new UnregisteredMetricsGroup();
            }

            @Override
            public UserCodeClassLoader getUserCodeClassLoader() {
              return SimpleUserCodeClassLoader.create(Decode.class.getClassLoader());
            }
          });
    }

    @Override
    public RowData map(Long index) throws Exception {
      return decoder.deserialize(records.get(index.intValue()));
    }
  }
}
