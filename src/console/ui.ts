// Shared pieces of the console's pages: the page context, and the confirmation dialog every
// change goes through (it says what will happen before anything happens).
import { h } from './dom.js';
import { plainWords } from './api.js';

export type PageName =
  'queue' | 'request' | 'designations' | 'audit' | 'health' | 'accessLog' | 'settings';

export interface PageContext {
  /** Opens a page; `arg` stays in memory (a request id), never in the URL. */
  go(page: PageName, arg?: string): void;
  /** A success message, announced to screen readers. */
  notice(message: string): void;
}

export type Page = (ctx: PageContext, arg?: string) => Promise<Node>;

export interface ConfirmOptions {
  title: string;
  /** Form controls for the decision (narrowing, a reason), if any. */
  body?: Node;
  /** What will happen, recomputed whenever a control in `body` changes. */
  summary: () => string;
  confirmLabel: string;
  danger?: boolean;
  /** Runs the change; an error keeps the dialog open and says what went wrong. */
  onConfirm: () => Promise<void>;
}

/** A modal dialog (focus moves in, Escape cancels, focus returns to the opener). */
export function confirmDialog(o: ConfirmOptions): void {
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' }, o.summary());
  const error = h('div', { class: 'alert', role: 'alert' });
  const confirm = h(
    'button',
    { type: 'submit', class: o.danger ? 'danger' : 'primary' },
    o.confirmLabel,
  );
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const form = h(
    'form',
    { method: 'dialog' },
    h('h2', { id: 'dialog-title' }, o.title),
    o.body ?? null,
    h('p', {}, 'What will happen:'),
    summary,
    error,
    h('div', { class: 'row' }, confirm, cancel),
  );
  const dialog = h('dialog', { 'aria-labelledby': 'dialog-title' }, form);
  const opener = document.activeElement as HTMLElement | null;
  form.addEventListener('input', () => (summary.textContent = o.summary()));
  form.addEventListener('change', () => (summary.textContent = o.summary()));
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (opener?.isConnected) opener.focus();
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    confirm.disabled = true;
    error.textContent = '';
    o.onConfirm().then(
      () => dialog.close(),
      (err: unknown) => {
        confirm.disabled = false;
        error.textContent = plainWords(err);
      },
    );
  });
  document.body.append(dialog);
  dialog.showModal();
}
