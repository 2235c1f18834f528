package io.crowdwire.documents;

import io.crowdwire.model.Emails;

import java.util.List;

/**
 * A Bytecrowds document ("bytecrowd"): its text, its language, and the e-mails it is locked to, if it is.
 *
 * @param authorizedEmails null while the document is open to anyone with its link
 */
record Document(String name, String text, String language, List<String> authorizedEmails) {

  static final String DEFAULT_LANGUAGE = "javascript";

  boolean locked() {
    return authorizedEmails != null;
  }

  /** Bytecrowds' rule: anyone while it is not locked, else the listed e-mails. */
  boolean allows(String email) {
    return !locked() || Emails.listed(authorizedEmails, email);
  }
}
