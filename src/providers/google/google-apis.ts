/**
 * The two Google APIs rekindle calls, loaded one by one. `import { google } from 'googleapis'`
 * loads all ~300 APIs of the package (about 120 MB of resident memory in every worker before
 * it syncs anything); Gmail and Calendar alone cost under 30 MB. Same classes, same client.
 */
import gmailModule from 'googleapis/build/src/apis/gmail/index.js';
import calendarModule from 'googleapis/build/src/apis/calendar/index.js';

export const google = {
  gmail: gmailModule.gmail,
  calendar: calendarModule.calendar,
  auth: gmailModule.auth,
};
