// What the pages share about the token a user pastes (a JWT): what it says, and the form that takes it.

/** The payload of a JWT, unverified: the server verifies it, the page only shows whom it names. */
export function claims (jwt) {
  if (!jwt) return null
  try {
    const bytes = Uint8Array.from(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return null
  }
}

/** Calls `use` with what is pasted into `input` once `form` is sent, if it reads as a JWT. */
export function tokenForm (form, input, use) {
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const pasted = input.value.trim()
    if (!claims(pasted)) {
      input.setCustomValidity('This is not a JWT')
      input.reportValidity()
      return
    }
    use(pasted)
  })
  input.addEventListener('input', () => input.setCustomValidity(''))
}
