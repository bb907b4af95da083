package dev.verograph.insights;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.EncodingFormat;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.utils.ProjectedRowData;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.SerializationFormatFactory;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.connector.Projection;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;

/**
 * A test sink that keeps what the job would publish: the first column as the record key (a
 * string), the other columns encoded by the table's format as the record's value, like the Kafka
 * sink's key.fields and 'value.fields-include' = 'EXCEPT_KEY'. The tests read the values back with
 * the classes generated from proto/, so they check the published messages themselves.
 */
public final class EncodedRowsTableFactory implements DynamicTableSinkFactory {
  static final String IDENTIFIER = "insights-test-encoded";
  static final ConfigOption<String> SINK_ID = ConfigOptions.key("sink-id").stringType().noDefaultValue();
  private static final Map<String, List<Record>> RECORDS = new ConcurrentHashMap<>();

  /** One published record. */
  record Record(String key, byte[] value) {}

  /** What a sink wrote, in order. */
  static List<Record> records(String sinkId) {
    return List.copyOf(RECORDS.getOrDefault(sinkId, List.of()));
  }

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of(SINK_ID, FactoryUtil.FORMAT);
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return Set.of();
  }

  @Override
  public DynamicTableSink createDynamicTableSink(Context context) {
    FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
    EncodingFormat<SerializationSchema<RowData>> format =
        helper.discoverEncodingFormat(SerializationFormatFactory.class, FactoryUtil.FORMAT);
    helper.validate();
    String sinkId = helper.getOptions().get(SINK_ID);
    RECORDS.putIfAbsent(sinkId, Collections.synchronizedList(new ArrayList<>()));
    return new TableSink(format, context.getPhysicalRowDataType(), sinkId);
  }

  private record TableSink(EncodingFormat<SerializationSchema<RowData>> format, DataType type, String sinkId)
      implements DynamicTableSink {
    @Override
    public ChangelogMode getChangelogMode(ChangelogMode requested) {
      return ChangelogMode.insertOnly();
    }

    @Override
    public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
      int columns = DataType.getFieldCount(type);
      int[] valueColumns = IntStream.range(1, columns).toArray();
      DataType valueType = Projection.of(valueColumns).project(type);
      SerializationSchema<RowData> encoder = format.createRuntimeEncoder(context, valueType);
      return SinkV2Provider.of(new Collect(encoder, valueColumns, sinkId));
    }

    @Override
    public DynamicTableSink copy() {
      return new TableSink(format, type, sinkId);
    }

    @Override
    public String asSummaryString() {
      return IDENTIFIER;
    }
  }

  private record Collect(SerializationSchema<RowData> encoder, int[] valueColumns, String sinkId)
      implements Sink<RowData> {
    @Override
    public SinkWriter<RowData> createWriter(WriterInitContext context) {
      try {
        encoder.open(
            new SerializationSchema.InitializationContext() {
              @Override
              public MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
              }

              @Override
              public UserCodeClassLoader getUserCodeClassLoader() {
                return SimpleUserCodeClassLoader.create(Collect.class.getClassLoader());
              }
            });
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      ProjectedRowData value = ProjectedRowData.from(valueColumns);
      return new SinkWriter<>() {
        @Override
        public void write(RowData row, Context ctx) {
          byte[] bytes = encoder.serialize(value.replaceRow(row));
          RECORDS.get(sinkId).add(new Record(row.getString(0).toString(), bytes));
        }

        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public void close() {}
      };
    }
  }
}
