package dmformat

// incomparable, as a blank field, makes a struct type incomparable: the
// compiler then generates no equality function for it, code the router
// build would carry whether or not anything compares the type.
type incomparable [0]func()
