/**
 * Word lists behind automatedAddressReason. Kept apart from the logic so that a false
 * positive can be fixed by reading one list. Every word here is compared with a whole token
 * of the local part (split at `.`, `_`, `-`, `+`, `=`, trailing digits dropped), never a
 * substring, so `bulk` words cannot fire inside a name (`newsome@`, `alerton@`).
 */

/**
 * Words that no personal address carries: any token among them makes the address automated,
 * whatever else the local part says (`enron_update@`, `acme-newsletter@`, `billing-alerts@`).
 */
export const BULK_WORDS = new Set([
  'newsletter', 'newsletters', 'news', 'announce', 'announcement', 'announcements',
  'notification', 'notifications', 'notify', 'notifier', 'alert', 'alerts', 'digest',
  'update', 'updates', 'marketing', 'promo', 'promos', 'promotion', 'promotions', 'offers',
  'deals', 'mailer', 'mailing', 'mailings', 'campaign', 'campaigns', 'broadcast',
  'automated', 'automailer', 'autoreply', 'autoresponder', 'autoconfirm', 'auto', 'robot',
  'daemon', 'rss', 'feed', 'feeds', 'unsubscribe', 'survey', 'surveys', 'receipt',
  'receipts', 'statement', 'statements', 'reminder', 'reminders', 'mailbot', 'bulk',
]);

/**
 * Shared mailboxes of a team or function. A role word marks an address only when the whole
 * local part is made of role words and qualifiers (`support@`, `customer.service@`,
 * `sales-uk@`, `acme-jobs@acme.com`), because many of these double as parts of personal
 * addresses (`care.smith@`, `office.jane@`). Deliberately absent: words that are also first
 * names or nicknames (bill, mark, art, grace, hope, joy, will, rich, sam, pat, max), so
 * `bill@` and `mark@` stay people while `billing@` and `marketing@` do not. Also absent:
 * `mail@` and `post@`, which people with their own domain commonly use (`mail@janedoe.de`).
 */
export const ROLE_WORDS = new Set([
  'info', 'information', 'support', 'help', 'helpdesk', 'servicedesk', 'service', 'services',
  'customerservice', 'customercare', 'customer', 'customers', 'care', 'contact', 'contactus',
  'enquiries', 'enquiry', 'inquiries', 'inquiry', 'questions', 'ask', 'hello', 'hi', 'hey',
  'team', 'office', 'admin', 'admins', 'administrator', 'administration', 'sales',
  'billing', 'accounts', 'account', 'accounting', 'finance', 'payments', 'payment',
  'payroll', 'invoice', 'invoices', 'orders', 'order', 'shop', 'store', 'booking',
  'bookings', 'reservations', 'reservation', 'events', 'event', 'tickets', 'ticket', 'jobs',
  'careers', 'career', 'recruiting', 'recruitment', 'hiring', 'talent', 'hr', 'press',
  'media', 'pr', 'feedback', 'webmaster', 'hostmaster', 'abuse', 'security', 'privacy',
  'legal', 'compliance', 'membership', 'members', 'member', 'community', 'partners',
  'partner', 'affiliates', 'rewards', 'welcome', 'onboarding', 'success', 'everyone', 'all',
  'staff', 'noc', 'ops', 'it', 'root', 'sysadmin', 'system', 'www', 'web',
  'editor', 'editors', 'editorial', 'newsroom', 'subscriptions', 'subscription',
  'registration', 'register', 'donations', 'donate', 'giving', 'frontdesk', 'reception',
  'general', 'request', 'requests', 'investors', 'ir', 'calendar', 'scheduling',
  'appointments', 'secretary', 'treasurer', 'test', 'demo', 'trial', 'nobody', 'desk', 'dev',
  'developers', 'engineering', 'product', 'design',
  'shipping', 'delivery', 'returns', 'verify', 'verification', 'confirm', 'confirmation',
  'invite', 'invites', 'invitations', 'invitation', 'registrar', 'admissions', 'alumni',
]);

/** Mailing-list software and list-management mailboxes. */
export const LIST_LOCAL_PARTS = new Set(['listserv', 'majordomo', 'mailman', 'sympa', 'lyris', 'listmanager', 'ezmlm']);

/** Hosts that only relay list traffic: any address at them is a list, not a person. */
export const LIST_DOMAINS = ['googlegroups.com', 'yahoogroups.com', 'groups.io', 'freelists.org', 'topica.com', 'egroups.com'];

/** First labels of list-server hosts (`lists.debian.org`, `mailman.example.edu`). */
export const LIST_HOST_LABELS = new Set(['lists', 'list', 'listserv', 'mailman', 'majordomo', 'sympa']);

/**
 * Sending domains of email service providers (bulk and transactional). Mail from these is
 * sent by software on someone's behalf; a person replying from them does not happen.
 */
export const ESP_DOMAINS = [
  'sendgrid.net', 'sendgrid.com', 'mcsv.net', 'mcdlv.net', 'rsgsv.net', 'list-manage.com',
  'mailchimpapp.net', 'mandrillapp.com', 'amazonses.com', 'mailgun.org', 'mailgun.net',
  'sparkpostmail.com', 'mailjet.com', 'ccsend.com', 'constantcontact.com', 'exacttarget.com',
  'sailthru.com', 'createsend.com', 'cmail19.com', 'cmail20.com', 'hubspotemail.net',
  'hubspotstarter.net', 'mktomail.com', 'klaviyomail.com', 'sendinblue.com', 'brevosend.com',
  'postmarkapp.com', 'mailerlite.com', 'convertkit-mail.com', 'convertkit-mail2.com',
  'substack.com', 'facebookmail.com', 'bounces.google.com', 'mailchimp.com', 'intercom-mail.com',
  'customeriomail.com', 'messagebird.com', 'emarsys.net', 'responsys.net', 'bronto.com',
  'icontact.com', 'aweber.com', 'getresponse.com', 'benchmarkemail.com', 'zendesk.com',
  'freshdesk.com', 'helpscoutemail.com',
];

/**
 * First labels that bulk senders give their sending subdomains (`em.example.com`,
 * `bounce.example.com`). Only checked when the domain has at least three labels, so the
 * consumer providers `mail.com`, `email.com` are unaffected; `mail.` and `email.` themselves
 * and `info.` are left out because universities hand them to people (`mail.utoronto.ca`,
 * informatics departments at `info.`).
 */
export const BULK_HOST_LABELS = new Set([
  'bounce', 'bounces', 'bnc', 'mailer', 'mkt', 'mktg', 'marketing', 'newsletter',
  'newsletters', 'notifications', 'notification', 'notify', 'alerts', 'campaigns', 'em', 'e',
  'mailing', 'promo', 'news', 'txn', 'transactional', 'reply',
]);
