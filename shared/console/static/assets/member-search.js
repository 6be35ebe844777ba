// Search and paging of the members table: a search box that narrows the
// list to addresses starting with what is typed (debounced; the API's
// ?email=<prefix>, sorted by address), and Previous / Next pages, so the
// table stays usable at thousands of members. users.js supplies how a page
// is fetched and drawn; this module keeps the query, the cursors and the
// controls.

import { byId, show } from './dom.js';

const DEBOUNCE_MS = 250;

export class MemberPager {
  /**
   * fetchPage(cursor, email) resolves to {members, nextCursor};
   * render(members) draws them; onError(err) reports a failure.
   */
  constructor({ fetchPage, render, onError }) {
    this.fetchPage = fetchPage;
    this.render = render;
    this.onError = onError;
    this.email = '';
    this.cursors = ['']; // cursors[i] opens page i+1
    this.page = 0;
    this.next = null;
    this.seq = 0;
    this.timer = 0;

    this.input = byId('members-search');
    this.prev = byId('members-prev');
    this.nextButton = byId('members-next');
    this.label = byId('members-page');
    this.input.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.search(this.input.value), DEBOUNCE_MS);
    });
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        clearTimeout(this.timer);
        this.search(this.input.value);
      }
    });
    this.prev.addEventListener('click', () => this.go(this.page - 1));
    this.nextButton.addEventListener('click', () => this.go(this.page + 1));
  }

  /** Shows the first page of the current search. */
  first() {
    this.cursors = [''];
    return this.go(0);
  }

  /** Searches for addresses starting with text (trimmed; '' shows everyone). */
  search(text) {
    const email = text.trim();
    if (email === this.email) return Promise.resolve();
    this.email = email;
    return this.first();
  }

  async go(page) {
    if (page < 0 || page >= this.cursors.length) return;
    const seq = ++this.seq;
    const card = byId('members-card');
    card.setAttribute('aria-busy', 'true');
    this.prev.disabled = this.nextButton.disabled = true;
    try {
      const res = await this.fetchPage(this.cursors[page], this.email);
      if (seq !== this.seq) return; // a newer search or page won
      this.page = page;
      this.next = res?.nextCursor || null;
      this.cursors.length = page + 1;
      if (this.next) this.cursors.push(this.next);
      const members = res?.members || [];
      this.render(members);
      const empty = byId('members-empty');
      empty.textContent = this.email ? `No members whose email starts with “${this.email}”.` : 'No members to show.';
      show(empty, members.length === 0);
    } catch (err) {
      if (seq !== this.seq) return;
      // A cursor the API no longer accepts (its key was rotated): the
      // list starts again from its first page.
      if (err?.code === 'invalid_cursor' && page > 0) {
        this.first();
        return;
      }
      this.onError(err);
    } finally {
      if (seq === this.seq) {
        card.removeAttribute('aria-busy');
        this.prev.disabled = this.page === 0;
        this.nextButton.disabled = !this.next;
        this.label.textContent = `Page ${this.page + 1}`;
        show(byId('members-pager'), this.page > 0 || !!this.next);
      }
    }
  }
}
