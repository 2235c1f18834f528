package io.crowdwire.socket;

import io.crowdwire.model.Emails;
import io.crowdwire.yjs.DocumentEntry;

import java.util.List;

/**
 * A document's lock as its entries tell it, read in their order: whose updates count from there on. The document
 * keeps one for itself; an editor reading the history from the store gets its own, so that it is sent what the
 * document would have applied.
 */
final class DocumentLock {

  private List<String> emails;

  /** A lock entry, or the lock a snapshot carries when no entry set one (its entry went with those it replaced). */
  void see(DocumentEntry entry) {
    if (entry instanceof DocumentEntry.Lock locked) {
      emails = locked.emails();
    } else if (entry instanceof DocumentEntry.Snapshot snapshot && emails == null) {
      emails = snapshot.lock();
    }
  }

  boolean allows(String email) {
    return emails == null || Emails.listed(emails, email);
  }

  /** The e-mails it is locked to, or null. */
  List<String> emails() {
    return emails;
  }

  /** The Yjs update an entry of the history gives an editor, or null: a lock, an update of an unlisted author, ... */
  byte[] admit(DocumentEntry entry) {
    see(entry);
    if (entry instanceof DocumentEntry.Snapshot snapshot) {
      return snapshot.update();
    }
    if (entry instanceof DocumentEntry.Update update && allows(update.author())) {
      return update.update();
    }
    return null;
  }
}
