// Creates many Kafka topics in ONE JVM / one AdminClient round trip.
// Used by `deploy/local/kafka.sh create-topics TOPIC...`; compiled by kafka.sh
// into the Kafka cache dir (no JDK needed: it uses the jdk.compiler module of
// the Java runtime) and run with the broker's jars on the classpath.
//
// usage: CreateTopics BOOTSTRAP PARTITIONS REPLICATION TOPIC...
// Topics that already exist are left alone (their partition count is not
// changed). Exit code 0 when every topic exists afterwards, 1 otherwise.

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;

public final class CreateTopics {
    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: CreateTopics BOOTSTRAP PARTITIONS REPLICATION TOPIC...");
            System.exit(2);
        }
        String bootstrap = args[0];
        int partitions = Integer.parseInt(args[1]);
        short replication = Short.parseShort(args[2]);
        Set<String> wanted = new LinkedHashSet<>();
        for (int i = 3; i < args.length; i++) {
            wanted.add(args[i]);
        }

        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "fakturaportal-kafka-sh");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");

        int failures = 0;
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics(new ListTopicsOptions().listInternal(false))
                    .names().get(30, TimeUnit.SECONDS);
            List<NewTopic> toCreate = new ArrayList<>();
            for (String topic : wanted) {
                if (existing.contains(topic)) {
                    System.out.println("[kafka] topic exists:  " + topic);
                } else {
                    toCreate.add(new NewTopic(topic, partitions, replication));
                }
            }
            if (!toCreate.isEmpty()) {
                CreateTopicsResult result = admin.createTopics(toCreate);
                Map<String, KafkaFuture<Void>> futures = result.values();
                for (NewTopic t : toCreate) {
                    String name = t.name();
                    try {
                        futures.get(name).get(30, TimeUnit.SECONDS);
                        System.out.println("[kafka] topic created: " + name
                                + " (partitions=" + partitions + ", replication=" + replication + ")");
                    } catch (ExecutionException ex) {
                        if (ex.getCause() instanceof TopicExistsException) {
                            System.out.println("[kafka] topic exists:  " + name);
                        } else {
                            failures++;
                            System.err.println("[kafka] ERROR creating topic " + name + ": " + ex.getCause());
                        }
                    }
                }
            }
        }
        System.exit(failures == 0 ? 0 : 1);
    }
}
