package io.crowdwire.analytics;

import java.util.ArrayList;
import java.util.List;

/**
 * The longest plain text that every match of a regular expression contains, read off its syntax, so a text can be
 * searched for it before the expression is run. Conservative: where it cannot tell, it says there is none.
 *
 * @param text  that text; empty when none can be told
 * @param whole true when the expression is that text and nothing else, so finding the text is a match
 */
record RequiredLiteral(String text, boolean whole) {

  private static final RequiredLiteral NONE = new RequiredLiteral("", false);
  /** Escapes of one letter that stand for a class or an anchor and take no argument ({@code \d}, {@code \b}). */
  private static final String PLAIN_LETTER_ESCAPES = "dDwWsSbB";
  private static final String SYNTAX = "\\[(){.^$?*+|";

  /** The expression split at its top-level {@code |}: a match of it is a match of one of them. */
  static List<String> branches(String regex) {
    List<String> branches = new ArrayList<>();
    int start = 0;
    int i = 0;
    while (i < regex.length()) {
      char c = regex.charAt(i);
      if (c == '|') {
        branches.add(regex.substring(start, i));
        start = ++i;
      } else if (c == '\\') {
        i += 2;
      } else if (c == '[') {
        i = afterClass(regex, i);
      } else if (c == '(') {
        i = afterGroup(regex, i);
      } else {
        i++;
      }
      if (i < 0) {
        return List.of(regex);
      }
    }
    branches.add(regex.substring(start));
    return branches;
  }

  /** The literal of one branch (no top-level {@code |}): runs of plain characters, cut by any other syntax. */
  static RequiredLiteral of(String branch) {
    StringBuilder run = new StringBuilder();
    String longest = "";
    boolean whole = true;
    // Whether the last thing read was a plain character of the run, which a following ?, * or {0,n} makes optional.
    boolean lastInRun = false;
    int i = 0;
    while (i < branch.length()) {
      char c = branch.charAt(i);
      if (c == '\\' && i + 1 < branch.length() && !Character.isLetterOrDigit(branch.charAt(i + 1))) {
        run.append(branch.charAt(i + 1));
        lastInRun = true;
        i += 2;
        continue;
      }
      if (isPlain(c)) {
        run.append(c);
        lastInRun = true;
        i++;
        continue;
      }
      if ((c == '?' || c == '*' || c == '{') && lastInRun) {
        run.setLength(run.length() - 1);
      }
      longest = longer(longest, run);
      run.setLength(0);
      whole = false;
      lastInRun = false;
      if (c == '\\') {
        // \d, \w, \b and the like end the run; \u0041, \x41, \p{L}, \1 take arguments that would read as plain.
        if (i + 1 >= branch.length() || PLAIN_LETTER_ESCAPES.indexOf(branch.charAt(i + 1)) < 0) {
          return NONE;
        }
        i += 2;
      } else if (c == '[') {
        i = afterClass(branch, i);
      } else if (c == '(') {
        // (?i) and the like change how the rest matches (case): nothing is certain after it.
        boolean inlineFlags = branch.startsWith("(?", i) && i + 2 < branch.length()
          && ":=!<".indexOf(branch.charAt(i + 2)) < 0;
        i = inlineFlags ? -1 : afterGroup(branch, i);
      } else if (c == '{') {
        int close = branch.indexOf('}', i);
        i = close < 0 ? -1 : close + 1;
      } else if (c == ')' || c == '|') {
        return NONE;
      } else {
        i++; // . ^ $ ? * +
      }
      if (i < 0) {
        return NONE;
      }
    }
    return new RequiredLiteral(longer(longest, run), whole);
  }

  /** Not syntax: a lone ] or } is plain too, in Java as in JavaScript. */
  private static boolean isPlain(char c) {
    return SYNTAX.indexOf(c) < 0;
  }

  private static String longer(String longest, StringBuilder run) {
    return run.length() > longest.length() ? run.toString() : longest;
  }

  /** The index after the class that opens at {@code i}, or -1 when it does not close. */
  private static int afterClass(String regex, int i) {
    for (int j = i + 1; j < regex.length(); j++) {
      char c = regex.charAt(j);
      if (c == '\\') {
        j++;
      } else if (c == ']') {
        return j + 1;
      }
    }
    return -1;
  }

  /** The index after the group that opens at {@code i}, or -1 when it does not close. */
  private static int afterGroup(String regex, int i) {
    int depth = 0;
    int j = i;
    while (j < regex.length()) {
      char c = regex.charAt(j);
      if (c == '\\') {
        j += 2;
        continue;
      }
      if (c == '[') {
        j = afterClass(regex, j);
        if (j < 0) {
          return -1;
        }
        continue;
      }
      if (c == '(') {
        depth++;
      } else if (c == ')' && --depth == 0) {
        return j + 1;
      }
      j++;
    }
    return -1;
  }
}
