package io.crowdwire.analytics;

import io.crowdwire.analytics.AnalyticsStore.DayCounts;
import io.crowdwire.analytics.AnalyticsStore.Dimension;
import io.crowdwire.analytics.AnalyticsStore.Ranked;
import io.crowdwire.auth.AccessDenied;
import io.crowdwire.auth.TokenService;
import io.crowdwire.bus.AnalyticsRequests.Query;
import io.crowdwire.bus.HttpAnswer;
import io.crowdwire.http.HttpErrors;
import io.crowdwire.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The query API (docs/protocol.md "Analytics"): a day, a range of days, and the top pages, countries or
 * continents, for a token with the analytics role. Counts only: no address or visitor hash ever leaves the store.
 */
final class AnalyticsQueries {

  private static final Logger LOG = LoggerFactory.getLogger(AnalyticsQueries.class);
  static final int DEFAULT_LIMIT = 10;
  static final int MAX_LIMIT = 1000;

  private final AnalyticsStore store;
  private final TokenService tokens;
  private final String role;
  private final int retentionDays;

  AnalyticsQueries(AnalyticsStore store, TokenService tokens, String role, int retentionDays) {
    this.store = store;
    this.tokens = tokens;
    this.role = role;
    this.retentionDays = retentionDays;
  }

  Future<HttpAnswer> answer(Query query) {
    return tokens.authorizeToken(query.headers(), role)
      .compose(ignored -> switch (query.operation()) {
        case DAY -> day(date(query.argument(), "day"));
        case RANGE -> range(query);
        case TOP -> top(query);
      })
      .map(AnalyticsQueries::ok)
      .recover(AnalyticsQueries::failure);
  }

  private Future<JsonObject> day(LocalDate day) {
    return store.day(day).map(counts -> {
      JsonObject json = totals(new JsonObject().put("day", day.toString()), counts);
      JsonObject byName = new JsonObject();
      for (Dimension dimension : Dimension.values()) {
        List<Ranked> ranked = counts.counts().get(dimension);
        json.put(dimension.key(), new JsonArray(ranked.stream().map(Ranked::name).toList()));
        JsonObject hits = new JsonObject();
        ranked.forEach(entry -> hits.put(entry.name(), entry.hits()));
        byName.put(dimension.key(), hits);
      }
      return json.put("counts", byName);
    });
  }

  private Future<JsonObject> range(Query query) {
    List<LocalDate> days = days(required(query, "from"), required(query, "to"));
    Future<List<DayCounts>> series = store.days(days);
    Future<Long> visitors = store.visitors(days);
    List<Future<List<Ranked>>> tops = new ArrayList<>();
    for (Dimension dimension : Dimension.values()) {
      tops.add(store.top(dimension, days, DEFAULT_LIMIT));
    }
    return Future.all(series, visitors, Future.all(tops)).map(ignored -> {
      JsonArray perDay = new JsonArray();
      long hits = 0;
      long bots = 0;
      for (DayCounts day : series.result()) {
        perDay.add(totals(new JsonObject().put("day", day.day().toString()), day));
        hits += day.hits();
        bots += day.bots();
      }
      JsonObject top = new JsonObject();
      for (Dimension dimension : Dimension.values()) {
        top.put(dimension.key(), ranked(tops.get(dimension.ordinal()).result()));
      }
      return new JsonObject().put("from", days.get(0).toString()).put("to", days.get(days.size() - 1).toString())
        .put("days", perDay).put("hits", hits).put("uniqueVisitors", visitors.result()).put("bots", bots).put("top", top);
    });
  }

  private Future<JsonObject> top(Query query) {
    Dimension dimension = dimension(query.argument());
    String from = query.params().get("from");
    String to = query.params().get("to");
    if ((from == null) != (to == null)) {
      throw invalid("give both 'from' and 'to' (a range), or neither (all time)", from == null ? "from" : "to");
    }
    List<LocalDate> days = from == null ? null : days(from, to);
    int limit = limit(query.params().get("limit"));
    return store.top(dimension, days, limit).map(ranked -> new JsonObject().put("dimension", dimension.key())
      .put("from", from == null ? null : days.get(0).toString())
      .put("to", to == null ? null : days.get(days.size() - 1).toString())
      .put("items", ranked(ranked)));
  }

  private static JsonObject totals(JsonObject json, DayCounts counts) {
    return json.put("hits", counts.hits()).put("uniqueVisitors", counts.uniqueVisitors()).put("bots", counts.bots());
  }

  private static JsonArray ranked(List<Ranked> ranked) {
    JsonArray items = new JsonArray();
    ranked.forEach(entry -> items.add(new JsonObject().put("name", entry.name()).put("hits", entry.hits())));
    return items;
  }

  /** The days from {@code from} to {@code to}, both included; no longer than the days kept. */
  private List<LocalDate> days(String from, String to) {
    LocalDate first = date(from, "from");
    LocalDate last = date(to, "to");
    if (last.isBefore(first)) {
      throw invalid("'to' (" + last + ") is before 'from' (" + first + ")", "to");
    }
    if (last.toEpochDay() - first.toEpochDay() >= retentionDays) {
      throw invalid("a range spans at most " + retentionDays + " days (ANALYTICS_RETENTION_DAYS): older days are gone", "from");
    }
    List<LocalDate> days = new ArrayList<>();
    for (LocalDate day = first; !day.isAfter(last); day = day.plusDays(1)) {
      days.add(day);
    }
    return days;
  }

  private LocalDate date(String text, String field) {
    try {
      return LocalDate.parse(text);
    } catch (DateTimeParseException | NullPointerException e) {
      throw invalid("'" + field + "' must be a UTC day as yyyy-mm-dd, not '" + text + "'", field);
    }
  }

  private static String required(Query query, String parameter) {
    String value = query.params().get(parameter);
    if (value == null || value.isBlank()) {
      throw invalid("query parameter '" + parameter + "' is missing (a UTC day as yyyy-mm-dd)", parameter);
    }
    return value;
  }

  private static Dimension dimension(String name) {
    for (Dimension dimension : Dimension.values()) {
      if (dimension.key().equals(name == null ? null : name.toLowerCase(Locale.ROOT))) {
        return dimension;
      }
    }
    throw new Answered(HttpErrors.answer(ErrorCode.NOT_FOUND, "no such ranking '" + name
      + "': pages, countries or continents", "dimension"));
  }

  private static int limit(String text) {
    if (text == null) {
      return DEFAULT_LIMIT;
    }
    try {
      int limit = Integer.parseInt(text);
      if (limit >= 1 && limit <= MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException ignored) {
      // Answered below.
    }
    throw invalid("'limit' must be a whole number from 1 to " + MAX_LIMIT + ", not '" + text + "'", "limit");
  }

  private static Answered invalid(String message, String field) {
    return new Answered(HttpErrors.answer(ErrorCode.INVALID_FIELD, message, field));
  }

  private static HttpAnswer ok(JsonObject body) {
    return new HttpAnswer(200, HttpHeaders.headers().set(HttpHeaders.CONTENT_TYPE, "application/json")
      .set(HttpHeaders.CACHE_CONTROL, "no-store"), body.toBuffer(), false);
  }

  private static Future<HttpAnswer> failure(Throwable failure) {
    if (failure instanceof Answered answered) {
      return Future.succeededFuture(answered.answer);
    }
    if (failure instanceof AccessDenied denied) {
      return Future.succeededFuture(HttpErrors.answer(denied.code(), denied.getMessage(), null));
    }
    LOG.warn("Analytics store failed a query: {}", failure.getMessage());
    return Future.succeededFuture(HttpErrors.answer(ErrorCode.UNAVAILABLE,
      "the analytics store did not answer, retry later: " + failure.getMessage(), null));
  }

  /** A query answered before the store was asked. */
  private static final class Answered extends RuntimeException {
    private final transient HttpAnswer answer;

    private Answered(HttpAnswer answer) {
      super(null, null, false, false);
      this.answer = answer;
    }
  }
}
