/// A `RedactionPattern` compiled to numbered steps, each knowing the step
/// after it, and matched by backtracking that remembers which (step, place)
/// pairs after a repeat led nowhere: plain backtracking retries them for every
/// way of reaching them (quadratic in a long run of letters, as ICU was);
/// remembered, each is tried once. Sound because nothing but the place
/// decides whether the rest matches (no back-references). The step graph has
/// no cycles (repeats loop inside one step), so recursion is as deep as the
/// pattern, never as long as the text.
struct RedactionProgram: Sendable {
    enum Step: Sendable {
        case literal([Unicode.Scalar], caseless: Bool, next: Int)
        case set(RedactionPattern.Member, next: Int)
        case notPrecededBy([RedactionPattern], next: Int)
        /// A lookahead: its own program, matched from here.
        case notFollowedBy(RedactionProgram, next: Int)
        /// Try the first, then the second.
        case split(Int, Int)
        /// A repeated set: a run of scalars.
        case run(RedactionPattern.Member, min: Int, max: Int, lazy: Bool, next: Int)
        /// A repeated group, which matches one way at a place: `body` ends in its own `accept`.
        case group(body: Int, min: Int, max: Int, lazy: Bool, next: Int)
        case groupEnd(next: Int)
        case accept
    }

    private(set) var steps: [Step] = [.accept]
    private(set) var start = 0

    init(_ pattern: RedactionPattern) {
        start = compile(pattern, then: 0)
    }

    private mutating func add(_ step: Step) -> Int {
        steps.append(step)
        return steps.count - 1
    }

    /// The first step of `p`, whose last step goes on to `then`.
    private mutating func compile(_ p: RedactionPattern, then next: Int) -> Int {
        switch p {
        case .literal(let word, let caseless): return add(.literal(word, caseless: caseless, next: next))
        case .set(let member): return add(.set(member, next: next))
        case .notPrecededBy(let options): return add(.notPrecededBy(options, next: next))
        case .notFollowedBy(let ahead): return add(.notFollowedBy(RedactionProgram(ahead), next: next))
        case .sequence(let parts):
            return parts.reversed().reduce(next) { following, part in compile(part, then: following) }
        case .alternatives(let options):
            let entries = options.map { compile($0, then: next) }
            return entries.dropLast().reversed().reduce(entries.last!) { rest, entry in add(.split(entry, rest)) }
        case .capture(let inner): return compile(inner, then: add(.groupEnd(next: next)))
        case .repeat(.set(let member), let min, let max, let lazy):
            return add(.run(member, min: min, max: max, lazy: lazy, next: next))
        case .repeat(let inner, let min, let max, let lazy):
            let end = add(.accept)
            return add(.group(body: compile(inner, then: end), min: min, max: max, lazy: lazy, next: next))
        }
    }
}

/// The searches of one program over one text.
struct RedactionMatcher {
    let text: [Unicode.Scalar]
    private let program: RedactionProgram
    /// (step, place) pairs known to lead nowhere, as step * (text.count + 1) + place.
    private var dead = Set<Int>()
    /// The furthest place `dead` holds: a match starting past it can reach none of them.
    private var deadReach = -1
    private(set) var groupEnd = 0

    init(_ text: [Unicode.Scalar], _ program: RedactionProgram) {
        self.text = text
        self.program = program
    }

    /// The end of the match starting at `start`, if the pattern matches there.
    mutating func match(at start: Int) -> Int? {
        // Forgotten once out of reach, the set stays the size of one stretch of backtracking, not of the text
        // (a set of a million places misses the cache on every look-up).
        if start > deadReach && !dead.isEmpty { dead = [] }
        return run(program.start, start)
    }

    private mutating func run(_ step: Int, _ i: Int) -> Int? {
        switch program.steps[step] {
        case .accept:
            return i
        case .literal(let word, let caseless, let next):
            guard let end = literalEnd(word, caseless, i) else { return nil }
            return run(next, end)
        case .set(let member, let next):
            return i < text.count && member(text[i]) ? run(next, i + 1) : nil
        case .notPrecededBy(let options, let next):
            for option in options {
                switch option {
                case .literal(let word, let caseless):
                    // Each scalar folds to at least one of the word's, so the word starts at most word.count back.
                    for start in stride(from: i - 1, through: max(0, i - word.count), by: -1)
                    where literalEnd(word, caseless, start) == i {
                        return nil
                    }
                case .set(let member):
                    if i > 0 && member(text[i - 1]) { return nil }
                default:
                    preconditionFailure("a lookbehind holds literals and sets")
                }
            }
            return run(next, i)
        case .notFollowedBy(let ahead, let next):
            var lookahead = RedactionMatcher(text, ahead)
            return lookahead.match(at: i) == nil ? run(next, i) : nil
        case .split(let first, let second):
            return run(first, i) ?? run(second, i)
        case .groupEnd(let next):
            guard let end = run(next, i) else { return nil }
            groupEnd = i
            return end
        case .run(let member, let min, let max, let lazy, let next):
            if lazy {
                var count = 0
                while true {
                    if count >= min, let end = rest(next, i + count) { return end }
                    guard count < max, i + count < text.count, member(text[i + count]) else { return nil }
                    count += 1
                }
            }
            var count = 0
            while count < max && i + count < text.count && member(text[i + count]) { count += 1 }
            guard count >= min else { return nil }
            for c in stride(from: count, through: min, by: -1) {
                if let end = rest(next, i + c) { return end }
            }
            return nil
        case .group(let body, let min, let max, let lazy, let next):
            // The places each count of repeats reaches (the body's first way at each), as far as they go.
            var ends = [i]
            while ends.count - 1 < max, let end = run(body, ends[ends.count - 1]), end > ends[ends.count - 1] {
                ends.append(end)
            }
            guard ends.count - 1 >= min else { return nil }
            let counts = lazy ? Array(min..<ends.count) : Array((min..<ends.count).reversed())
            for count in counts {
                if let end = rest(next, ends[count]) { return end }
            }
            return nil
        }
    }

    /// What follows a repeat, from `i`: remembered when it leads nowhere (up to a
    /// million places: past that, plain backtracking, slower but as right).
    private mutating func rest(_ step: Int, _ i: Int) -> Int? {
        let key = step * (text.count + 1) + i
        if dead.contains(key) { return nil }
        if let end = run(step, i) { return end }
        if dead.count < 1 << 20 {
            dead.insert(key)
            deadReach = max(deadReach, i)
        }
        return nil
    }

    /// Where `word` ends when it starts at `i`. Caseless: the folds of whole scalars spell the word.
    private func literalEnd(_ w: [Unicode.Scalar], _ caseless: Bool, _ i: Int) -> Int? {
        var j = i
        var k = 0
        while k < w.count {
            guard j < text.count else { return nil }
            let c = text[j]
            if c == w[k] {
                k += 1
            } else if caseless && c.value >= 0x41 && c.value <= 0x5A {
                guard c.value | 0x20 == w[k].value else { return nil }
                k += 1
            } else if caseless, let fold = RedactionPattern.asciiFold(c) {
                for f in fold.unicodeScalars {
                    guard k < w.count, w[k] == f else { return nil }
                    k += 1
                }
            } else {
                return nil
            }
            j += 1
        }
        return j
    }
}
