// The consent driver's own rules, run in an isolated world of each frame (the page cannot see
// or replace them). The Rust side asks each frame in turn; every answer is plain JSON.
//
// Only what a visitor could click is clicked: visible (not display:none, hidden, transparent
// or zero-sized), enabled, not inert, and on top at its centre once scrolled into view.
(() => {
  if (globalThis.__cookieAuditConsent) return;

  // Button texts, compared after folding case, accents, spacing and punctuation at the ends.
  // The "all" forms come first: on a banner with both, they are the choice asked for.
  const WORDS = {
    reject: [
      'tout refuser', 'refuser tout', 'tout rejeter', 'rejeter tout', 'refuser les cookies',
      'refuser tous les cookies', 'je refuse', 'refuser', 'rejeter', 'continuer sans accepter',
      'refuser et fermer', 'non merci', 'reject all', 'reject all cookies', 'decline all',
      'refuse all', 'deny all', 'reject', 'decline', 'deny', 'refuse', 'continue without accepting',
      'only necessary', 'only necessary cookies', 'necessary only', 'use necessary cookies only',
      'alles weigeren', 'alle cookies weigeren', 'weigeren', 'alleen noodzakelijke cookies',
      'alle ablehnen', 'ablehnen', 'nur notwendige', 'nur notwendige cookies',
      'rechazar todo', 'rechazar todas', 'rechazar', 'rifiuta tutto', 'rifiuta',
    ],
    accept: [
      'tout accepter', 'accepter tout', 'accepter tous les cookies', 'accepter les cookies',
      'tout autoriser', 'autoriser tous les cookies', "j'accepte", 'accepter', 'accepter et fermer',
      'accept all', 'accept all cookies', 'allow all', 'allow all cookies', 'i accept', 'i agree',
      'accept', 'agree', 'allow', 'alles accepteren', 'alle cookies accepteren', 'accepteren',
      "c'est bon", 'akkoord', 'alle akzeptieren', 'alle cookies akzeptieren', 'akzeptieren', 'zustimmen',
      'aceptar todo', 'aceptar todas', 'aceptar', 'accetta tutto', 'accetta', 'ok',
    ],
    settings: [
      'paramétrer', 'personnaliser', 'gérer mes choix', 'gérer les cookies', 'mes préférences',
      'préférences', 'paramètres', 'paramètres des cookies', 'en savoir plus et personnaliser',
      'settings', 'cookie settings', 'manage cookies', 'manage preferences', 'customize',
      'customise', 'preferences', 'more options', 'instellingen', 'voorkeuren', 'aanpassen',
      'einstellungen', 'anpassen', 'configurar', 'personalizza',
    ],
    save: [
      'sauvegarder mes choix', 'enregistrer mes choix', 'valider mes choix', 'confirmer mes choix',
      'enregistrer', 'sauvegarder', 'valider', 'confirmer', 'save my choices', 'save choices',
      'save my preferences', 'save preferences', 'save settings', 'save', 'confirm my choices',
      'confirm choices', 'confirm', 'mijn keuzes opslaan', 'keuzes opslaan', 'opslaan',
      'bevestigen', 'meine auswahl speichern', 'auswahl speichern', 'speichern', 'bestätigen',
      'guardar', 'salva',
    ],
  };
  // A banner talks about cookies or trackers; a button named "OK" elsewhere is not a choice.
  const TOPIC = /cookie|traceur|tracker|consent|privacy|vie privée|confidentialit|données personnelles|datenschutz|gegevens|privacidad/i;
  const ODS_TITLE = /(préférences|preferences|voorkeuren|einstellungen|präferenzen).{0,40}cookie|cookie.{0,40}(préférences|preferences|voorkeuren|einstellungen|präferenzen)/i;
  const CLICKABLE = 'button, a, [role="button"], input[type="button"], input[type="submit"], [onclick], [tabindex]';

  const fold = (text) =>
    (text || '')
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[\u2019`]/g, "'")
      .replace(/\s+/g, ' ')
      .trim()
      .toLowerCase()
      .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}']+$/gu, '');
  const FOLDED = Object.fromEntries(
    Object.entries(WORDS).map(([key, list]) => [key, list.map(fold)]),
  );

  // Every root to search: the document and each open shadow root inside it, in document order.
  function roots() {
    const found = [document];
    for (let i = 0; i < found.length; i++) {
      for (const el of found[i].querySelectorAll('*')) {
        if (el.shadowRoot) found.push(el.shadowRoot);
      }
    }
    return found;
  }

  function queryAll(selector) {
    const out = [];
    for (const root of roots()) {
      out.push(...root.querySelectorAll(selector));
    }
    return out;
  }

  // The parent across shadow boundaries.
  const up = (el) => el.parentElement || (el.getRootNode() && el.getRootNode().host) || null;

  function visible(el) {
    if (!el || !el.isConnected) return false;
    if (el.disabled || el.getAttribute('aria-disabled') === 'true') return false;
    for (let node = el; node; node = up(node)) {
      if (node.inert || node.hasAttribute?.('inert')) return false;
    }
    if (el.checkVisibility && !el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) {
      return false;
    }
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible' || style.pointerEvents === 'none') return false;
    const box = el.getBoundingClientRect();
    return box.width >= 2 && box.height >= 2;
  }

  // On top at its centre: a button under an overlay or off the page is no choice a visitor has.
  function onTop(el) {
    el.scrollIntoView({ block: 'center', inline: 'center' });
    const box = el.getBoundingClientRect();
    const x = box.left + box.width / 2;
    const y = box.top + box.height / 2;
    if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
    const root = el.getRootNode();
    const hit = (root.elementFromPoint ? root : document).elementFromPoint(x, y);
    if (!hit) return false;
    if (hit === el || el.contains(hit)) return true;
    // A label or wrapper inside which the element sits takes the click for it.
    return hit.contains(el) && hit.querySelectorAll(CLICKABLE).length <= 1;
  }

  const usable = (el) => visible(el) && onTop(el);

  function label(el) {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || el.title || '')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 80);
    const tag = el.tagName.toLowerCase();
    return text ? `${tag} "${text}"` : el.id ? `${tag}#${el.id}` : tag;
  }

  const textOf = (el) =>
    fold(el.innerText || el.value || el.getAttribute('aria-label') || el.title || '');

  // The nearest ancestor (shadow hosts crossed) whose text says what the banner is about.
  function topical(el) {
    let node = el;
    for (let depth = 0; node && depth < 12; depth++, node = up(node)) {
      const text = node.innerText || node.textContent || '';
      if (text.length > 20000) break;
      if (TOPIC.test(text)) return true;
    }
    // A frame that holds nothing but a consent banner.
    return TOPIC.test(document.title) || TOPIC.test(location.href);
  }

  let lastClicked = null;

  function press(el) {
    lastClicked = el;
    el.click();
    return label(el);
  }

  // The first usable element a step names; `why` says what was there when none is.
  function find(step) {
    let matches;
    if (step.css !== undefined) {
      try {
        matches = queryAll(step.css);
      } catch (e) {
        return { why: `not a CSS selector: ${step.css}` };
      }
    } else {
      const wanted = fold(step.text);
      matches = queryAll(CLICKABLE).filter((el) => textOf(el) === wanted);
    }
    const el = matches.find(usable);
    if (el) return { el };
    return { why: matches.length ? `${matches.length} found, none visible and enabled` : 'none found' };
  }

  function clickStep(step) {
    const { el, why } = find(step);
    return el ? { clicked: press(el) } : { why };
  }

  // A button of the banner named with one of the words of `kind`, "all" forms first.
  function findNamed(kind, within) {
    const candidates = (within ? [within] : roots())
      .flatMap((root) => [...root.querySelectorAll(CLICKABLE)])
      .filter((el) => el.childElementCount < 6);
    for (const word of FOLDED[kind]) {
      const el = candidates.find((c) => textOf(c) === word && usable(c) && topical(c));
      if (el) return el;
    }
    return null;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function waitFor(find, ms) {
    for (let waited = 0; waited <= ms; waited += 100) {
      const found = find();
      if (found) return found;
      await sleep(100);
    }
    return null;
  }

  // Presses the banner button named with a word of `kind` (reject, accept, settings, save), at
  // once: the driver strings presses together, since a press may take this frame away.
  function pressNamed(kind) {
    const button = findNamed(kind);
    return button ? press(button) : null;
  }

  // Opendatasoft's preferences modal: a dialog about cookie preferences, one switch per tracker
  // (off by default), one save button ("Sauvegarder mes choix"). Refusing saves with every
  // switch off; accepting switches every one on first.
  function odsModal() {
    const dialogs = queryAll('[role="dialog"], dialog, [aria-modal="true"], [class*="modal"], [class*="cookie"]');
    return dialogs.find((d) => {
      if (!visible(d)) return false;
      const text = d.innerText || '';
      return ODS_TITLE.test(text) && switchesIn(d).length > 0 && findNamed('save', d);
    });
  }

  function switchesIn(dialog) {
    return [...dialog.querySelectorAll('input[type="checkbox"], [role="switch"]')].filter(
      (s) => !s.disabled && s.getAttribute('aria-disabled') !== 'true',
    );
  }

  const isOn = (s) => (s.matches('input') ? s.checked : s.getAttribute('aria-checked') === 'true');

  // What a visitor clicks to flip a switch: the switch, else its label, else its wrapper.
  function handle(s) {
    if (usable(s)) return s;
    const labels = [...(s.labels || [])];
    const wrapper = s.closest('label');
    if (wrapper) labels.push(wrapper);
    return labels.find(usable) || null;
  }

  function odsPresent() {
    return Boolean(document.querySelector('ods-manage-cookies-preferences')) || Boolean(odsModal());
  }

  async function odsRule(action) {
    const steps = [];
    let modal = odsModal();
    if (!modal) {
      const manage = document.querySelector('ods-manage-cookies-preferences');
      const opener = manage && [manage, ...manage.querySelectorAll('a, button')].reverse().find(usable);
      if (!opener) return null;
      steps.push(press(opener));
      modal = await waitFor(odsModal, 3000);
      if (!modal) return { steps, why: 'the preferences link opened no preferences modal' };
    }
    const wanted = action === 'accept';
    for (const s of switchesIn(modal)) {
      if (isOn(s) === wanted) continue;
      const target = handle(s);
      if (!target) return { steps, why: 'a switch cannot be reached' };
      steps.push(press(target));
      await waitFor(() => isOn(s) === wanted, 1000);
      if (isOn(s) !== wanted) return { steps, why: `a switch stayed ${wanted ? 'off' : 'on'}` };
    }
    const save = findNamed('save', modal);
    if (!save) return { steps, why: 'no save button' };
    steps.push(press(save));
    return { steps };
  }

  globalThis.__cookieAuditConsent = {
    // One step of the user's: { css } or { text }.
    clickStep,
    canClick: (step) => Boolean(find(step).el),
    // Why a step finds nothing to click, from the frame that has the most to say.
    explain: (step) => {
      const { why } = find(step);
      return why && why !== 'none found' ? why : null;
    },
    pressNamed,
    odsRule,
    odsPresent,
    // Whether the banner went away after the last click (the element gone or hidden).
    closed: () => !lastClicked || !visible(lastClicked),
    // Whether a text-named banner button is showing (for a screenshot before the click).
    bannerShowing: () => Boolean(odsModal() || findNamed('reject') || findNamed('accept')),
  };
})();
