package io.crowdwire.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The screenshots a browser test saves, under {@code target/screenshots} (not committed). */
public final class Screenshots {

  private Screenshots() {
  }

  /** The directory, without an earlier run's files of these names: those found afterwards are this run's. */
  public static Path fresh(List<String> files) throws IOException {
    Path dir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")), "target", "screenshots")
      .toAbsolutePath();
    for (String file : files) {
      Files.deleteIfExists(dir.resolve(file));
    }
    return dir;
  }

  /** Each of the files was saved, as a PNG of some size. */
  public static void assertSaved(Path dir, List<String> files) throws IOException {
    for (String file : files) {
      Path png = dir.resolve(file);
      assertThat(png).as(file).isRegularFile();
      byte[] bytes = Files.readAllBytes(png);
      assertThat(bytes.length).as(file).isGreaterThan(1000);
      assertThat(new String(bytes, 1, 3, StandardCharsets.US_ASCII)).as(file).isEqualTo("PNG");
    }
  }
}
