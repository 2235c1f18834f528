package io.crowdwire.http;

import io.crowdwire.Crowdwire;
import io.crowdwire.testsupport.TestConfig;
import io.crowdwire.testsupport.TestFleet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A second instance on the host (the ports default alike) says which port is taken and which setting chose it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PortInUseTest {

  private final TestFleet fleet = new TestFleet();

  @AfterAll
  void stop() {
    fleet.close();
  }

  @Test
  void aTakenPublicOrManagementPortNamesThePortAndItsSetting() {
    Crowdwire first = fleet.start(TestConfig.embedded());
    String management = failure(Map.of("MANAGEMENT_PORT", Integer.toString(first.state().managementPort())));
    String edge = failure(Map.of("PORT", Integer.toString(first.port())));
    System.out.println("management port taken: " + management);
    System.out.println("public port taken: " + edge);
    assertThat(management).contains("127.0.0.1:" + first.state().managementPort()).contains("MANAGEMENT_PORT")
      .contains("in use");
    assertThat(edge).contains("127.0.0.1:" + first.port()).contains("(PORT)").contains("in use");
  }

  /** The message the start of an instance with these settings fails with. */
  private static String failure(Map<String, String> environment) {
    try {
      Crowdwire started = Crowdwire.start(TestConfig.embedded(environment))
        .await(Duration.ofSeconds(20).toMillis(), TimeUnit.MILLISECONDS);
      started.stop();
      throw new AssertionError("started on a port in use");
    } catch (Exception failed) {
      return failed.getMessage();
    }
  }
}
