package cdc8s.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.TreeMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.config.ConfigTransformer;
import org.apache.kafka.common.config.provider.ConfigProvider;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The harness's Kafka clients, driven by the e2e suite (e2e/harness):
 *   apply   <admin.properties> <plan.json>         create topics, SCRAM credentials and ACLs as Strimzi's operators would
 *   consume <client.properties> <topics> <out> <stop-file>
 *                                                  a consumer exactly as the rendered client config says; one JSON line
 *                                                  per record; commits after each batch; stops when stop-file exists
 *   probe   <client.properties> produce <topic> | consume <topic> <group>
 *                                                  one line: ALLOWED, or DENIED <exception>: <message>
 *   read    <client.properties> <topic> <partition> <from> <to | -1 for the end>
 *                                                  the records at offsets [from, to) of one partition, one JSON line each
 *                                                  (the client config's isolation.level decides what a transaction hides)
 *   alter-topic <admin.properties> <topic> <key>=<value>...
 *                                                  incremental topic config change (an empty value deletes the override)
 *   topic-config <admin.properties> <topic>        the topic's configs that are not broker defaults, as one JSON object
 *   resolve <providers.properties> <config.json>   resolves ${provider:path:key} references with the config providers a
 *                                                  worker config names, as Connect does; prints each resolved key with
 *                                                  the sha256 of its value (never the value), or FAILED <exception>: <message>
 */
public final class E2eTool {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "apply" -> apply(properties(args[1]), JSON.readTree(Path.of(args[2]).toFile()));
      case "consume" -> consume(properties(args[1]), Arrays.asList(args[2].split(",")), Path.of(args[3]), Path.of(args[4]));
      case "probe" -> System.out.println(probe(properties(args[1]), Arrays.copyOfRange(args, 2, args.length)));
      case "isr" -> System.out.println(isr(properties(args[1])));
      case "read" -> read(properties(args[1]), new TopicPartition(args[2], Integer.parseInt(args[3])), Long.parseLong(args[4]), Long.parseLong(args[5]));
      case "alter-topic" -> alterTopic(properties(args[1]), args[2], Arrays.copyOfRange(args, 3, args.length));
      case "topic-config" -> System.out.println(topicConfig(properties(args[1]), args[2]));
      case "resolve" -> System.out.println(resolve(properties(args[1]), JSON.readTree(Path.of(args[2]).toFile())));
      default -> throw new IllegalArgumentException("unknown command " + args[0]);
    }
  }

  /** Connect's config transformation: the providers a worker config declares, then ConfigTransformer over the config. */
  static String resolve(Properties worker, JsonNode config) throws Exception {
    Map<String, ConfigProvider> providers = new HashMap<>();
    try {
      for (String name : worker.getProperty("config.providers").split(",")) {
        String prefix = "config.providers." + name + ".";
        ConfigProvider provider = (ConfigProvider) Class.forName(worker.getProperty(prefix + "class")).getDeclaredConstructor().newInstance();
        Map<String, Object> params = new HashMap<>();
        for (String key : worker.stringPropertyNames()) {
          if (key.startsWith(prefix + "param.")) params.put(key.substring((prefix + "param.").length()), worker.getProperty(key));
        }
        provider.configure(params);
        providers.put(name, provider);
      }
      Map<String, String> values = new TreeMap<>();
      config.fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
      Map<String, String> resolved = new ConfigTransformer(providers).transform(values).data();
      ObjectNode out = JSON.createObjectNode();
      for (var entry : new TreeMap<>(resolved).entrySet()) {
        if (!entry.getValue().equals(values.get(entry.getKey()))) out.put(entry.getKey(), sha256(entry.getValue()));
      }
      return JSON.writeValueAsString(out);
    } catch (Exception e) {
      Throwable cause = e;
      while (cause.getCause() != null) cause = cause.getCause();
      return "FAILED " + e.getClass().getName() + ": " + e.getMessage() + (cause != e ? " (caused by " + cause.getClass().getName() + ": " + cause.getMessage() + ")" : "");
    } finally {
      for (ConfigProvider provider : providers.values()) provider.close();
    }
  }

  static String sha256(String value) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
  }

  static Properties properties(String file) throws IOException {
    Properties properties = new Properties();
    try (InputStream in = new FileInputStream(file)) {
      properties.load(in);
    }
    return properties;
  }

  /** Topics (partitions, replicas, configs), then each user's SCRAM-SHA-512 credential and ACLs. */
  static void apply(Properties admin, JsonNode plan) throws Exception {
    try (Admin client = Admin.create(admin)) {
      List<NewTopic> topics = new ArrayList<>();
      for (JsonNode topic : plan.get("topics")) {
        Map<String, String> configs = new HashMap<>();
        topic.get("config").fields().forEachRemaining(e -> configs.put(e.getKey(), e.getValue().asText()));
        topics.add(new NewTopic(topic.get("name").asText(), topic.get("partitions").asInt(), (short) topic.get("replicas").asInt()).configs(configs));
      }
      for (var entry : client.createTopics(topics).values().entrySet()) {
        try {
          entry.getValue().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) throw e;
        }
      }
      List<UserScramCredentialUpsertion> credentials = new ArrayList<>();
      List<AclBinding> acls = new ArrayList<>();
      for (JsonNode user : plan.get("users")) {
        String name = user.get("name").asText();
        credentials.add(new UserScramCredentialUpsertion(name, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), user.get("password").asText()));
        for (JsonNode acl : user.get("acls")) {
          ResourcePattern pattern = new ResourcePattern(ResourceType.fromString(acl.get("resourceType").asText()), acl.get("name").asText(), PatternType.fromString(acl.get("patternType").asText()));
          acls.add(new AclBinding(pattern, new AccessControlEntry("User:" + name, acl.get("host").asText(), AclOperation.fromString(acl.get("operation").asText()), AclPermissionType.ALLOW)));
        }
      }
      client.alterUserScramCredentials(new ArrayList<>(credentials)).all().get(60, TimeUnit.SECONDS);
      client.createAcls(acls).all().get(60, TimeUnit.SECONDS);
      System.out.println("applied " + topics.size() + " topics, " + credentials.size() + " users, " + acls.size() + " ACLs");
    }
  }

  /** One line: the partitions (of every topic) whose in-sync replicas are fewer than their replicas, and how many partitions there are. */
  static String isr(Properties admin) throws Exception {
    try (Admin client = Admin.create(admin)) {
      var names = client.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true)).names().get(60, TimeUnit.SECONDS);
      int partitions = 0;
      List<String> under = new ArrayList<>();
      for (var topic : client.describeTopics(names).allTopicNames().get(60, TimeUnit.SECONDS).values()) {
        for (var partition : topic.partitions()) {
          partitions++;
          if (partition.isr().size() < partition.replicas().size()) under.add(topic.name() + "-" + partition.partition());
        }
      }
      return "partitions=" + partitions + " under-replicated=" + under.size() + " " + String.join(",", under);
    }
  }

  static void consume(Properties config, List<String> topics, Path out, Path stop) throws Exception {
    config.put("key.deserializer", StringDeserializer.class.getName());
    config.put("value.deserializer", StringDeserializer.class.getName());
    // A slow application hands its records on one at a time (-Dcdc8s.maxPollRecords), as such apps tune it.
    String maxPollRecords = System.getProperty("cdc8s.maxPollRecords");
    if (maxPollRecords != null) config.put("max.poll.records", maxPollRecords);
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config);
         BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      consumer.subscribe(topics);
      // A slow application (-Dcdc8s.recordDelayMs): each record takes this long to process.
      long delay = Long.getLong("cdc8s.recordDelayMs", 0);
      while (true) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<String, String> record : records) {
          writer.write(JSON.writeValueAsString(line(record)));
          writer.newLine();
          if (delay > 0) Thread.sleep(delay);
        }
        writer.flush();
        // Manual commits, after the records are safely written: the rendered config has enable.auto.commit=false.
        if (!records.isEmpty()) consumer.commitSync();
        if (records.isEmpty() && Files.exists(stop)) return;
      }
    }
  }

  /** A record as one JSON object; `topic` comes first (the harness counts lines by their prefix). Header values as UTF-8. */
  static ObjectNode line(ConsumerRecord<String, String> record) {
    ObjectNode line = JSON.createObjectNode();
    line.put("topic", record.topic()).put("partition", record.partition()).put("offset", record.offset())
        .put("timestamp", record.timestamp()).put("received", System.currentTimeMillis())
        .put("key", record.key()).put("value", record.value());
    ObjectNode headers = line.putObject("headers");
    for (Header header : record.headers()) headers.put(header.key(), header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
    return line;
  }

  /** Reads [from, to) of one partition without a group (assign and seek); fails after 60 s short of `to`. */
  static void read(Properties config, TopicPartition partition, long from, long to) throws Exception {
    config.put("key.deserializer", StringDeserializer.class.getName());
    config.put("value.deserializer", StringDeserializer.class.getName());
    config.remove("group.id");
    config.put("enable.auto.commit", "false");
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
      consumer.assign(List.of(partition));
      consumer.seek(partition, from);
      // -1: up to the end offset now (for read_committed, the last stable offset).
      if (to < 0) to = consumer.endOffsets(List.of(partition)).get(partition);
      long deadline = System.currentTimeMillis() + 60_000;
      // The position passes `to` also over offsets a read_committed consumer never returns (aborted records, markers).
      while (consumer.position(partition) < to) {
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException(partition + ": at offset " + consumer.position(partition) + " of " + to + " after 60 s");
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.offset() < to) System.out.println(JSON.writeValueAsString(line(record)));
        }
      }
    }
  }

  static void alterTopic(Properties admin, String topic, String[] changes) throws Exception {
    List<AlterConfigOp> ops = new ArrayList<>();
    for (String change : changes) {
      String[] kv = change.split("=", 2);
      ops.add(kv[1].isEmpty() ? new AlterConfigOp(new ConfigEntry(kv[0], null), AlterConfigOp.OpType.DELETE) : new AlterConfigOp(new ConfigEntry(kv[0], kv[1]), AlterConfigOp.OpType.SET));
    }
    try (Admin client = Admin.create(admin)) {
      client.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), ops)).all().get(60, TimeUnit.SECONDS);
    }
  }

  static String topicConfig(Properties admin, String topic) throws Exception {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    try (Admin client = Admin.create(admin)) {
      ObjectNode out = JSON.createObjectNode();
      for (ConfigEntry entry : client.describeConfigs(List.of(resource)).all().get(60, TimeUnit.SECONDS).get(resource).entries()) {
        if (entry.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) out.put(entry.name(), entry.value());
      }
      return JSON.writeValueAsString(out);
    }
  }

  static String probe(Properties config, String[] action) {
    try {
      switch (action[0]) {
        case "produce" -> {
          config.put("key.serializer", StringSerializer.class.getName());
          config.put("value.serializer", StringSerializer.class.getName());
          config.put("max.block.ms", "15000");
          config.put("delivery.timeout.ms", "15000");
          config.put("request.timeout.ms", "10000");
          try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            producer.send(new ProducerRecord<>(action[1], "probe", "probe")).get(20, TimeUnit.SECONDS);
          }
        }
        case "consume" -> {
          config.put("key.deserializer", StringDeserializer.class.getName());
          config.put("value.deserializer", StringDeserializer.class.getName());
          config.put("group.id", action[2]);
          try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(action[1]));
            long deadline = System.currentTimeMillis() + 20_000;
            while (consumer.assignment().isEmpty() && System.currentTimeMillis() < deadline) consumer.poll(Duration.ofMillis(200));
            if (consumer.assignment().isEmpty()) return "TIMEOUT no partitions assigned in 20 s";
            consumer.commitSync();
          }
        }
        default -> throw new IllegalArgumentException("unknown probe " + action[0]);
      }
      return "ALLOWED";
    } catch (Exception e) {
      // The refusal may come wrapped: an idempotent producer refused its producer id reports later
      // sends as "in an error state", caused by the ClusterAuthorizationException. Report the refusal.
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      for (Throwable t = cause; t != null; t = t.getCause()) {
        if (t instanceof org.apache.kafka.common.errors.AuthorizationException || t instanceof org.apache.kafka.common.errors.AuthenticationException) {
          cause = t;
          break;
        }
      }
      return "DENIED " + cause.getClass().getSimpleName() + ": " + String.valueOf(cause.getMessage()).replace('\n', ' ');
    }
  }
}
