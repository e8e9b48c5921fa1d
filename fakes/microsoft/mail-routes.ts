/**
 * Graph v1.0 for the signed-in user's profile and mail: `/me`, mail folders, message delta per
 * folder, and single messages. JSON as Graph writes it: `@odata.context`, `@odata.type` and
 * `@odata.etag` annotations, DateTimeOffsets to the second, null for selected properties that
 * have no value, and absolute `@odata.nextLink` / `@odata.deltaLink` URLs.
 */
import { createHash } from 'node:crypto';
import { decodeToken, encodeToken, filterKey } from '../google/page-tokens.ts';
import {
  fail,
  hasParam,
  KEY,
  mailBasicOnly,
  MAIL_SCOPES,
  ok,
  param,
  USER_SCOPES,
  type GraphAnswer,
  type GraphContext,
  type GraphRoute,
  type MailboxAccount,
} from './api-route.ts';
import { accessDenied, badRequest, graphError, itemNotFound, syncStateInvalid, syncStateNotFound } from './graph-errors.ts';
import { exchangeId, isoSeconds } from './graph-resources.ts';
import type { DeltaOrder, ListPosition, StoredFolder, StoredMessage } from './mail-store.ts';

export const mailRoutes: GraphRoute[] = [
  { method: 'graph.me', pattern: /^\/me$/i, scopes: USER_SCOPES, handle: getMe },
  { method: 'graph.mailFolders.list', pattern: /^\/me\/mailfolders$/i, scopes: MAIL_SCOPES, handle: listFolders },
  {
    method: 'graph.mailFolders.childFolders',
    pattern: new RegExp(`^/me/mailfolders${KEY}/childfolders$`, 'i'),
    scopes: MAIL_SCOPES,
    handle: listFolders,
  },
  {
    method: 'graph.messages.delta',
    pattern: new RegExp(`^/me/mailfolders${KEY}/messages/(?:microsoft\\.graph\\.)?delta(?:\\(\\))?$`, 'i'),
    scopes: MAIL_SCOPES,
    handle: messageDelta,
  },
  { method: 'graph.mailFolders.get', pattern: new RegExp(`^/me/mailfolders${KEY}$`, 'i'), scopes: MAIL_SCOPES, handle: getFolder },
  { method: 'graph.messages.get', pattern: new RegExp(`^/me/messages${KEY}$`, 'i'), scopes: MAIL_SCOPES, handle: getMessage },
];

// ---- /me ----------------------------------------------------------------------------------

const USER_DEFAULT = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];
const USER_EXTRA = ['proxyAddresses', 'otherMails'];

function getMe(context: GraphContext): GraphAnswer {
  const { account, baseUrl } = context;
  const [given, ...rest] = account.displayName.split(' ');
  const values: Record<string, unknown> = {
    businessPhones: [],
    displayName: account.displayName,
    givenName: given ?? null,
    jobTitle: null,
    mail: account.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: 'en-US',
    surname: rest.join(' ') || null,
    userPrincipalName: account.userPrincipalName,
    id: account.id,
    // The primary address is `SMTP:`, the others `smtp:` (Exchange's convention).
    proxyAddresses: account.mail ? [`SMTP:${account.mail}`, ...account.aliases.map((a) => `smtp:${a}`)] : [],
    otherMails: [],
  };
  const selected = selectList(context.query);
  const known = new Map([...USER_DEFAULT, ...USER_EXTRA].map((p) => [p.toLowerCase(), p]));
  const props: string[] = [];
  for (const name of selected ?? USER_DEFAULT) {
    const prop = known.get(name.toLowerCase());
    if (!prop)
      return fail(
        400,
        graphError('Request_BadRequest', `Could not find a property named '${name}' on type 'Microsoft.DirectoryServices.User'.`),
      );
    props.push(prop);
  }
  return ok({
    '@odata.context': `${baseUrl}/v1.0/$metadata#users${selected ? `(${props.join(',')})` : ''}/$entity`,
    ...Object.fromEntries(props.map((p) => [p, values[p]])),
  });
}

// ---- folders ------------------------------------------------------------------------------

function folderJson(account: MailboxAccount, folder: StoredFolder) {
  const counts = account.mailbox.countIn(folder.id);
  return {
    id: folder.id,
    displayName: folder.displayName,
    parentFolderId: folder.parentId ?? exchangeId('AQMkAD', account.email, 'root-parent'),
    childFolderCount: account.mailbox.childrenOf(folder.id).length,
    unreadItemCount: counts.unread,
    totalItemCount: counts.total,
    sizeInBytes: 0,
    isHidden: false,
  };
}

function keyParam(context: GraphContext): string {
  return context.params[0]!;
}

function getFolder(context: GraphContext): GraphAnswer {
  const folder = context.account.mailbox.folder(keyParam(context));
  if (!folder) return fail(404, itemNotFound());
  return ok({
    '@odata.context': `${context.baseUrl}/v1.0/$metadata#users('${context.account.id}')/mailFolders/$entity`,
    ...folderJson(context.account, folder),
  });
}

/** Top-level folders (children of msgfolderroot), or a folder's children; `$top` (default 10) and `$skip`. */
function listFolders(context: GraphContext): GraphAnswer {
  const { account, query, baseUrl } = context;
  const parent = context.params.length > 0 ? account.mailbox.folder(keyParam(context)) : account.mailbox.root;
  if (!parent) return fail(404, itemNotFound());
  const top = intParam(query, '$top', 10);
  const skip = intParam(query, '$skip', 0);
  if (top === null || top < 1 || skip === null) return fail(400, badRequest('Invalid $top or $skip value.', 'ErrorInvalidUrlQuery'));
  const children = account.mailbox.childrenOf(parent.id);
  const page = children.slice(skip, skip + Math.min(top, 1000));
  const path = context.params.length > 0 ? `me/mailFolders('${parent.id}')/childFolders` : 'me/mailFolders';
  return ok({
    '@odata.context': `${baseUrl}/v1.0/$metadata#users('${account.id}')/${context.params.length > 0 ? `mailFolders('${parent.id}')/childFolders` : 'mailFolders'}`,
    value: page.map((f) => folderJson(account, f)),
    ...(skip + page.length < children.length
      ? { '@odata.nextLink': `${baseUrl}/v1.0/${path}?$top=${top}&$skip=${skip + page.length}` }
      : {}),
  });
}

// ---- messages -----------------------------------------------------------------------------

/** Properties of microsoft.graph.message, in Graph's order; `id` is always returned. */
const MESSAGE_DEFAULT = [
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'categories',
  'receivedDateTime',
  'sentDateTime',
  'hasAttachments',
  'internetMessageId',
  'subject',
  'bodyPreview',
  'importance',
  'parentFolderId',
  'conversationId',
  'conversationIndex',
  'isDeliveryReceiptRequested',
  'isReadReceiptRequested',
  'isRead',
  'isDraft',
  'webLink',
  'inferenceClassification',
  'body',
  'sender',
  'from',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'replyTo',
  'flag',
];
/** Selectable but not in the default set. */
const MESSAGE_EXTRA = ['uniqueBody', 'internetMessageHeaders'];
/** What Mail.ReadBasic does not grant: content and anything read through extended (MAPI) properties. */
const NOT_BASIC = new Set(['body', 'bodypreview', 'uniquebody', 'internetmessageheaders']);
const NOT_BASIC_EXPAND = new Set(['attachments', 'extensions', 'singlevalueextendedproperties', 'multivalueextendedproperties']);
const MESSAGE_PROPS = new Map([...MESSAGE_DEFAULT, ...MESSAGE_EXTRA].map((p) => [p.toLowerCase(), p]));

type PropsCheck = { props: string[]; explicit: boolean } | { error: GraphAnswer };

/** The properties to serve: `$select`ed ones (checked) or the default set, minus what the grant hides. */
function messageProps(context: GraphContext, select: string[] | null): PropsCheck {
  const basic = mailBasicOnly(context.grant);
  const expand = param(context.query, '$expand');
  if (expand !== null) {
    const names = expand.split(',').map((e) => e.trim().split('(')[0]!.toLowerCase());
    if (basic && names.some((n) => NOT_BASIC_EXPAND.has(n))) return { error: fail(403, accessDenied()) };
    return { error: fail(400, badRequest('The Graph emulator does not implement $expand.')) };
  }
  if (select === null) {
    return { props: MESSAGE_DEFAULT.filter((p) => !(basic && NOT_BASIC.has(p.toLowerCase()))), explicit: false };
  }
  const props: string[] = [];
  for (const name of select) {
    const prop = MESSAGE_PROPS.get(name.toLowerCase());
    if (!prop) {
      return {
        error: fail(
          400,
          graphError('RequestBroker--ParseUri', `Could not find a property named '${name}' on type 'microsoft.graph.message'.`),
        ),
      };
    }
    if (basic && NOT_BASIC.has(name.toLowerCase())) return { error: fail(403, accessDenied()) };
    if (!props.includes(prop)) props.push(prop);
  }
  return { props, explicit: true };
}

function messageId(message: StoredMessage, context: GraphContext): string {
  return context.prefer.immutableIds ? message.immutableId : message.restId;
}

function messageJson(message: StoredMessage, props: string[], explicit: boolean, context: GraphContext): Record<string, unknown> {
  const f = message.fields;
  const id = messageId(message, context);
  const folder = context.account.mailbox.folder(message.folderId)!;
  const received = !['sentitems', 'drafts', 'outbox'].includes(folder.wellKnown ?? '');
  const changeKey = `CQAAABYAAAA${createHash('sha256').update(`${message.immutableId}:${message.changeSeq}`).digest('base64').slice(0, 24)}`;
  const value = (prop: string): unknown => {
    switch (prop) {
      case 'id':
        return id;
      case 'createdDateTime':
        return isoSeconds(f.receivedDateTime);
      case 'lastModifiedDateTime':
        return isoSeconds(message.lastModified);
      case 'changeKey':
        return changeKey;
      case 'categories':
        return [];
      case 'receivedDateTime':
        return isoSeconds(f.receivedDateTime);
      case 'sentDateTime':
        return isoSeconds(f.sentDateTime);
      case 'hasAttachments':
        return false;
      case 'internetMessageId':
        return f.internetMessageId;
      case 'subject':
        return f.subject;
      // Bodies are never kept: the emulator serves metadata only.
      case 'bodyPreview':
        return '';
      case 'importance':
        return f.importance;
      case 'parentFolderId':
        return message.folderId;
      case 'conversationId':
        return message.conversationId;
      case 'conversationIndex':
        return Buffer.from(message.conversationId.slice(0, 22)).toString('base64');
      case 'isDeliveryReceiptRequested':
        return false;
      case 'isReadReceiptRequested':
        return false;
      case 'isRead':
        return f.isRead;
      case 'isDraft':
        return f.isDraft;
      case 'webLink':
        return `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(id)}&exvsurl=1&viewmodel=ReadMessageItem`;
      case 'inferenceClassification':
        return f.inferenceClassification;
      case 'body':
        return { contentType: 'text', content: '' };
      case 'uniqueBody':
        return { contentType: 'text', content: '' };
      case 'sender':
        return f.sender;
      case 'from':
        return f.from;
      case 'toRecipients':
        return f.toRecipients;
      case 'ccRecipients':
        return f.ccRecipients;
      case 'bccRecipients':
        return f.bccRecipients;
      case 'replyTo':
        return f.replyTo;
      case 'flag':
        return { flagStatus: 'notFlagged' };
      // Graph has transport headers for received mail only; on the sender's copy the property is absent.
      case 'internetMessageHeaders':
        return received ? f.headers.map((h) => ({ name: h.name, value: h.value })) : undefined;
      default:
        return undefined;
    }
  };
  const json: Record<string, unknown> = { '@odata.type': '#microsoft.graph.message', '@odata.etag': `W/"${changeKey}"` };
  // With $select Graph lists the selected properties and then the id; without, the id comes first.
  const order = explicit ? [...props.filter((p) => p !== 'id'), 'id'] : props;
  for (const prop of order) {
    const v = value(prop);
    if (v !== undefined) json[prop] = v;
  }
  return json;
}

function getMessage(context: GraphContext): GraphAnswer {
  const message = context.account.mailbox.find(keyParam(context));
  if (!message) return fail(404, itemNotFound());
  const checked = messageProps(context, selectList(context.query));
  if ('error' in checked) return checked.error;
  return ok(
    {
      '@odata.context': `${context.baseUrl}/v1.0/$metadata#users('${context.account.id}')/messages/$entity`,
      ...messageJson(message, checked.props, checked.explicit, context),
    },
    { served: [messageId(message, context)] },
  );
}

// ---- message delta ------------------------------------------------------------------------

/** Where a round stands. `snap` pins the round; `since` is the previous round's snapshot. */
interface MailDeltaState {
  g: number;
  select: string[] | null;
  order: DeltaOrder;
  mode: 'initial' | 'changes';
  snap?: number;
  since?: number;
  after?: ListPosition | number;
}

const DEFAULT_PAGE = 10;
const MAX_PAGE = 1000;

function messageDelta(context: GraphContext): GraphAnswer {
  const { account, query, baseUrl } = context;
  const folder = account.mailbox.folder(keyParam(context));
  if (!folder || folder.wellKnown === 'msgfolderroot') return fail(404, itemNotFound());
  const key = filterKey(account.email, folder.id);
  const skipToken = param(query, '$skiptoken');
  const deltaToken = param(query, '$deltatoken');

  let state: MailDeltaState;
  if (skipToken !== null || deltaToken !== null) {
    const decoded = decodeToken<MailDeltaState>(skipToken !== null ? 'mskip' : 'mdelta', key, (skipToken ?? deltaToken)!);
    if (!decoded) return fail(400, syncStateInvalid());
    if (!account.mailbox.tokenValid(decoded.g)) return fail(410, syncStateNotFound());
    state = decoded;
  } else {
    for (const unsupported of ['$filter', '$search', 'changeType', '$skip']) {
      if (hasParam(query, unsupported))
        return fail(400, badRequest(`The Graph emulator does not implement ${unsupported} on message delta.`));
    }
    const orderby = param(query, '$orderby');
    if (orderby !== null && !/^\s*receivedDateTime(\s+|\+)desc\s*$/i.test(orderby)) {
      return fail(400, badRequest('Only $orderby=receivedDateTime desc is supported on message delta.', 'ErrorInvalidUrlQuery'));
    }
    state = {
      g: account.mailbox.generation,
      select: selectList(query),
      order: orderby === null ? 'arrival' : 'received-desc',
      mode: 'initial',
    };
  }
  const checked = messageProps(context, state.select);
  if ('error' in checked) return checked.error;

  const top = intParam(query, '$top', 0);
  const limit = Math.min(MAX_PAGE, context.prefer.maxPageSize ?? (top ? top : DEFAULT_PAGE));
  // The round's snapshot is taken by its first page and carried by its skip tokens.
  const snap = state.snap ?? account.mailbox.changeSeq;
  const link = (kind: 'mskip' | 'mdelta', next: MailDeltaState) =>
    `${baseUrl}/v1.0/me/mailFolders('${folder.id}')/messages/delta?${kind === 'mskip' ? '$skiptoken' : '$deltatoken'}=${encodeToken(kind, key, next)}`;

  const value: Record<string, unknown>[] = [];
  const served: string[] = [];
  const removed: string[] = [];
  let nextLink: string | null = null;
  if (state.mode === 'initial') {
    const page = account.mailbox.initialPage(folder.id, state.order, snap, (state.after as ListPosition | undefined) ?? null, limit);
    for (const message of page.page) {
      value.push(messageJson(message, checked.props, checked.explicit, context));
      served.push(messageId(message, context));
    }
    if (page.more) nextLink = link('mskip', { ...state, g: account.mailbox.generation, snap, ...(page.last ? { after: page.last } : {}) });
  } else {
    const since = state.since ?? 0;
    const page = account.mailbox.changesPage(folder.id, since, snap, (state.after as number | undefined) ?? since, limit);
    for (const entry of page.page) {
      if (entry.kind === 'message') {
        value.push(messageJson(entry.message, checked.props, checked.explicit, context));
        served.push(messageId(entry.message, context));
      } else {
        const id = context.prefer.immutableIds ? entry.tombstone.immutableId : entry.tombstone.restId;
        value.push({ '@odata.type': '#microsoft.graph.message', id, '@removed': { reason: 'deleted' } });
        removed.push(id);
      }
    }
    if (page.more) nextLink = link('mskip', { ...state, g: account.mailbox.generation, snap, after: page.page.at(-1)!.seq });
  }
  const body = {
    '@odata.context': `${baseUrl}/v1.0/$metadata#Collection(message)`,
    ...(nextLink
      ? { '@odata.nextLink': nextLink }
      : {
          '@odata.deltaLink': link('mdelta', {
            g: account.mailbox.generation,
            select: state.select,
            order: state.order,
            mode: 'changes',
            since: snap,
          }),
        }),
    value,
  };
  return ok(body, {
    served,
    removed,
    ...(context.prefer.maxPageSize ? { headers: { 'preference-applied': `odata.maxpagesize=${limit}` } } : {}),
  });
}

// ---- helpers ------------------------------------------------------------------------------

/** `$select=subject,from` → ['subject', 'from']; null when absent. */
export function selectList(query: URLSearchParams): string[] | null {
  const value = param(query, '$select');
  if (value === null) return null;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function intParam(query: URLSearchParams, name: string, fallback: number): number | null {
  const value = param(query, name);
  if (value === null) return fallback;
  return /^\d+$/.test(value) ? Number(value) : null;
}
