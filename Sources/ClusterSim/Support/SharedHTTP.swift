import HTTPServing

// Moved to HTTPServing, which `serve --http` shares; the simulator keeps the names.
public typealias TLSOptions = HTTPServing.TLSOptions
typealias Locked<Value> = HTTPServing.Locked<Value>
