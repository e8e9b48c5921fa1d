/** The rebuilt Enron mailboxes and their ground truth live in the shared kit (tests use them too). */
export * from '../testkit/enron-mailboxes.ts';
