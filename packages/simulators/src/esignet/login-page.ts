function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** The simulated eSignet UI: one field for the UIN/VID, posted back with the transaction id. */
export function loginPage(options: {
  action: string
  transactionId: string
  clientId: string
  error?: string
}): string {
  const error = options.error
    ? `<p role="alert" style="color:#b00020">${escapeHtml(options.error)}</p>`
    : ''
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>eSignet (simulated) – Login</title></head>
<body style="font-family:sans-serif;max-width:28rem;margin:3rem auto">
<h1>Login with eSignet</h1>
<p>Simulated eSignet. <strong>${escapeHtml(options.clientId)}</strong> asks you to log in.</p>
${error}
<form method="post" action="${escapeHtml(options.action)}">
<input type="hidden" name="transaction_id" value="${escapeHtml(options.transactionId)}">
<label>UIN or VID <input name="individual_id" autocomplete="off" required autofocus></label>
<button type="submit">Log in and share</button>
</form>
</body>
</html>
`
}
