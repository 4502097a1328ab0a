package connreq

// incomparable, as a blank field, makes a struct type incomparable. The
// compiler generates an equality function for every comparable struct
// whose type descriptor the program links (every struct that is allocated
// on the heap or boxed), whether or not anything compares it: 200 to 700
// bytes of router code each for the structs marked with it. It goes first
// in the struct: a zero-size last field is padded.
type incomparable [0]func()
