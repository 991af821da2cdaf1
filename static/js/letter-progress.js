// Live progress of a letters render run. Without JavaScript the page refreshes itself
// (a <meta> refresh inside <noscript>); with it, this asks for the figures every second.
const box = document.querySelector('[data-progress-url]')

if (box) {
  const bar = box.querySelector('progress')
  const hint = document.querySelector('[data-progress-hint]')

  const update = async () => {
    const response = await fetch(box.dataset.progressUrl, {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin'
    })
    if (!response.ok) return false
    const figures = await response.json()
    for (const element of box.querySelectorAll('[data-count]')) {
      element.textContent = figures[element.dataset.count]
    }
    bar.max = figures.total
    bar.value = figures.done + figures.failed
    bar.textContent = `${figures.percent}%`
    if (figures.finished) {
      // Reload once so the failures list and the retry button appear.
      if (figures.failed && !document.querySelector('[data-failures]')) window.location.reload()
      if (hint) hint.textContent = 'This run has finished.'
      return true
    }
    return false
  }

  const tick = async () => {
    let finished = false
    try {
      finished = await update()
    } catch {
      // A dropped connection: try again on the next tick.
    }
    if (!finished) window.setTimeout(tick, 1000)
  }
  if (!bar.hasAttribute('data-finished')) tick()
}
