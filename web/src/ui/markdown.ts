/**
 * Markdown to HTML for the pager. Blob content comes from models and tools, so raw HTML in it is
 * shown as text and links go only to http(s) and mailto: nothing in a blob runs in the page.
 */
import { Marked } from "marked";

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

const SAFE_LINK = /^(https?:|mailto:|#)/i;

const marked = new Marked({
  gfm: true,
  renderer: {
    html: (token) => escapeHtml(token.text),
    link(token) {
      const text = this.parser.parseInline(token.tokens);
      return SAFE_LINK.test(token.href) ? `<a href="${escapeHtml(token.href)}" rel="noopener noreferrer" target="_blank">${text}</a>` : text;
    },
    image: (token) => escapeHtml(`[image: ${token.text || token.href}]`),
  },
});

export const markdownHtml = (markdown: string): string => marked.parse(markdown, { async: false });
