/**
 * Gmail v1: users.getProfile, users.messages.list, users.messages.get, users.history.list.
 * JSON as Gmail writes it: uint64 fields (historyId, internalDate) as strings, empty lists
 * left out rather than sent as [].
 */
import { fail, flag, ok, pageSize, type ApiContext, type ApiResponse, type ApiRoute } from './api-route.ts';
import type { HistoryRecord, ListPosition, StoredMessage } from './gmail-store.ts';
import { forbidden, invalidArgument, notFound } from './google-errors.ts';
import { GMAIL_READ_SCOPES, metadataOnly } from './oauth-grants.ts';
import { decodeToken, encodeToken, filterKey } from './page-tokens.ts';

const USER = '/gmail/v1/users/([^/]+)';

export const gmailRoutes: ApiRoute[] = [
  {
    method: 'gmail.users.getProfile',
    style: 'gmail',
    pattern: new RegExp(`^${USER}/profile$`),
    scopes: GMAIL_READ_SCOPES,
    handle: getProfile,
  },
  {
    method: 'gmail.users.messages.list',
    style: 'gmail',
    pattern: new RegExp(`^${USER}/messages$`),
    scopes: GMAIL_READ_SCOPES,
    handle: listMessages,
  },
  {
    method: 'gmail.users.messages.get',
    style: 'gmail',
    pattern: new RegExp(`^${USER}/messages/([^/]+)$`),
    scopes: GMAIL_READ_SCOPES,
    handle: getMessage,
  },
  {
    method: 'gmail.users.history.list',
    style: 'gmail',
    pattern: new RegExp(`^${USER}/history$`),
    scopes: GMAIL_READ_SCOPES,
    handle: listHistory,
  },
];

/** `me`, or the mailbox's own address; anyone else's mailbox is refused like Google does. */
function checkUser(context: ApiContext): ApiResponse | null {
  const userId = context.params[0]!;
  if (userId === 'me' || userId.toLowerCase() === context.account.email) return null;
  return fail(403, forbidden('gmail', `Delegation denied for ${context.account.email}`));
}

function getProfile(context: ApiContext): ApiResponse {
  const refused = checkUser(context);
  if (refused) return refused;
  const { gmail } = context.account;
  const totals = gmail.totals();
  return ok({
    emailAddress: context.account.email,
    messagesTotal: totals.messages,
    threadsTotal: totals.threads,
    historyId: String(gmail.historyId),
  });
}

function listMessages(context: ApiContext): ApiResponse {
  const refused = checkUser(context);
  if (refused) return refused;
  const { query } = context;
  if (query.has('q')) {
    if (metadataOnly(context.grant)) return fail(403, forbidden('gmail', "Metadata scope does not support 'q' parameter"));
    return fail(400, invalidArgument('gmail', 'The Google emulator does not implement search (q); use labelIds.', 'q'));
  }
  const limit = pageSize(query.get('maxResults'), 100, 500);
  if (limit === null) return fail(400, invalidArgument('gmail', 'Invalid value for maxResults', 'maxResults'));
  const labelIds = query.getAll('labelIds');
  const filter = { labelIds, includeSpamTrash: flag(query.get('includeSpamTrash')) };
  const key = filterKey(context.account.email, [...labelIds].sort(), filter.includeSpamTrash);

  let after: ListPosition | null = null;
  const token = query.get('pageToken');
  if (token) {
    after = decodeToken<ListPosition>('messages', key, token);
    if (!after) return fail(400, invalidArgument('gmail', 'Invalid pageToken', 'pageToken'));
  }
  const { page, more, total } = context.account.gmail.list(filter, after, limit);
  const last = page.at(-1);
  return ok({
    ...(page.length > 0 ? { messages: page.map((m) => ({ id: m.id, threadId: m.threadId })) } : {}),
    ...(more && last ? { nextPageToken: encodeToken<ListPosition>('messages', key, [last.internalDate, last.seq]) } : {}),
    resultSizeEstimate: total,
  });
}

function getMessage(context: ApiContext): ApiResponse {
  const refused = checkUser(context);
  if (refused) return refused;
  const format = (context.query.get('format') ?? 'full').toLowerCase();
  if (!['minimal', 'full', 'raw', 'metadata'].includes(format)) {
    return fail(400, invalidArgument('gmail', `Invalid value at 'format' (${format})`, 'format'));
  }
  if ((format === 'full' || format === 'raw') && metadataOnly(context.grant)) {
    return fail(403, forbidden('gmail', `Metadata scope doesn't allow format ${format.toUpperCase()}`));
  }
  const message = context.account.gmail.get(context.params[1]!);
  if (!message) return fail(404, notFound('gmail'));

  const base = {
    id: message.id,
    threadId: message.threadId,
    labelIds: message.labelIds,
    // Bodies are never kept, so there is nothing to make a snippet of.
    snippet: '',
    sizeEstimate: message.sizeEstimate,
    historyId: String(message.historyId),
    internalDate: String(message.internalDate),
  };
  switch (format) {
    case 'minimal':
      return ok(base);
    case 'metadata':
      return ok({ ...base, payload: payloadOf(message, context.query.getAll('metadataHeaders')) });
    case 'raw':
      return ok({ ...base, raw: Buffer.from(headerBlock(message) + '\r\n\r\n').toString('base64url') });
    default:
      return ok({ ...base, payload: { ...payloadOf(message, []), partId: '', filename: '', body: { size: 0 } } });
  }
}

function payloadOf(message: StoredMessage, wanted: string[]) {
  const names = new Set(wanted.map((n) => n.toLowerCase()));
  const headers = names.size === 0 ? message.headers : message.headers.filter((h) => names.has(h.name.toLowerCase()));
  const contentType = message.headers.find((h) => h.name.toLowerCase() === 'content-type')?.value;
  return {
    mimeType: contentType?.split(';')[0]?.trim().toLowerCase() || 'text/plain',
    headers: headers.map((h) => ({ name: h.name, value: h.value })),
  };
}

function headerBlock(message: StoredMessage): string {
  return message.headers.map((h) => `${h.name}: ${h.value}`).join('\r\n');
}

const HISTORY_TYPES = ['messageAdded', 'messageDeleted', 'labelAdded', 'labelRemoved'];

function listHistory(context: ApiContext): ApiResponse {
  const refused = checkUser(context);
  if (refused) return refused;
  const { query } = context;
  const startParam = query.get('startHistoryId');
  if (startParam === null) return fail(400, invalidArgument('gmail', 'Missing required field: startHistoryId', 'startHistoryId'));
  if (!/^\d+$/.test(startParam)) return fail(400, invalidArgument('gmail', 'Invalid startHistoryId', 'startHistoryId'));
  const start = Number(startParam);
  const types = query.getAll('historyTypes');
  const unknown = types.find((t) => !HISTORY_TYPES.includes(t));
  if (unknown) return fail(400, invalidArgument('gmail', `Invalid value at 'history_types' (${unknown})`, 'historyTypes'));
  const labelId = query.get('labelId');
  const requested = pageSize(query.get('maxResults'), 100, 500);
  if (requested === null) return fail(400, invalidArgument('gmail', 'Invalid value for maxResults', 'maxResults'));
  const limit = Math.min(requested, context.historyPageSize);
  const key = filterKey(context.account.email, start, [...types].sort(), labelId);

  let after: number | null = null;
  const token = query.get('pageToken');
  if (token) {
    after = decodeToken<number>('history', key, token);
    if (after === null) return fail(400, invalidArgument('gmail', 'Invalid pageToken', 'pageToken'));
  }
  const { gmail } = context.account;
  const records = gmail.historySince(start, after);
  if (records === 'expired') return fail(404, notFound('gmail'));

  const wanted = (r: HistoryRecord) =>
    (types.length === 0 || types.includes(r.change.type)) &&
    (labelId === null || r.change.message.labelIds.includes(labelId) || ('labelIds' in r.change && r.change.labelIds.includes(labelId)));
  const page: HistoryRecord[] = [];
  let more = false;
  for (const record of records) {
    if (!wanted(record)) continue;
    if (page.length === limit) {
      more = true;
      break;
    }
    page.push(record);
  }
  const last = page.at(-1);
  return ok({
    ...(page.length > 0 ? { history: page.map(historyJson) } : {}),
    ...(more && last ? { nextPageToken: encodeToken('history', key, last.id) } : {}),
    historyId: String(gmail.historyId),
  });
}

function historyJson(record: HistoryRecord) {
  const { change } = record;
  const message = { id: change.message.id, threadId: change.message.threadId, labelIds: change.message.labelIds };
  const json: Record<string, unknown> = {
    id: String(record.id),
    messages: [{ id: message.id, threadId: message.threadId }],
  };
  switch (change.type) {
    case 'messageAdded':
      json.messagesAdded = [{ message }];
      break;
    case 'messageDeleted':
      json.messagesDeleted = [{ message }];
      break;
    case 'labelAdded':
      json.labelsAdded = [{ message, labelIds: change.labelIds }];
      break;
    case 'labelRemoved':
      json.labelsRemoved = [{ message, labelIds: change.labelIds }];
      break;
  }
  return json;
}
