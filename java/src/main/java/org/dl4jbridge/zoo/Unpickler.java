package org.dl4jbridge.zoo;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal pickle interpreter: exactly the opcodes that PyTorch's torch.save writes (protocol 2,
 * plus the framing opcodes of protocol 4 so a re-saved file still reads). It never executes Python:
 * every GLOBAL becomes a {@link Global} name, and REDUCE, BUILD and persistent ids are handed to
 * {@link Hooks}, which decides what the few callables a checkpoint uses mean. Anything else is
 * refused with the opcode's name and byte position, so an unexpected file fails loudly.
 */
final class Unpickler {

    /** A module-level name the pickle refers to (never resolved to code). */
    record Global(String module, String name) {
        @Override public String toString() { return module + "." + name; }
    }

    /** A Python tuple (immutable, unlike a list). */
    record Tuple(List<Object> items) {
        Object get(int i) { return items.get(i); }
        int size() { return items.size(); }
    }

    /** What a caller gives meaning to; every method may refuse with a CheckpointFormatException. */
    interface Hooks {
        Object reduce(Global callable, Tuple args) throws CheckpointFormatException;
        Object persistentLoad(Object pid) throws CheckpointFormatException;
        void build(Object target, Object state) throws CheckpointFormatException;
    }

    private static final Object MARK = new Object() {
        @Override public String toString() { return "MARK"; }
    };

    private final ByteBuffer in;
    private final String source;
    private final Hooks hooks;

    Unpickler(byte[] data, int start, String source, Hooks hooks) {
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        this.in.position(start);
        this.source = source;
        this.hooks = hooks;
    }

    /** Byte position after the last STOP: where the next pickle or the raw data begins. */
    int position() {
        return in.position();
    }

    /** Reads one pickle, up to and including its STOP opcode, and returns its value. */
    Object load() throws CheckpointFormatException {
        List<Object> stack = new ArrayList<>();
        Map<Long, Object> memo = new HashMap<>();
        int opPos = -1;
        try {
            while (true) {
                opPos = in.position();
                int op = in.get() & 0xff;
                switch (op) {
                    case 0x80 -> in.get();                              // PROTO: version byte
                    case 0x95 -> in.getLong();                          // FRAME: length only
                    case '.' -> {                                       // STOP
                        if (stack.size() != 1) throw bad(opPos, "STOP with " + stack.size() + " values on the stack");
                        return stack.get(0);
                    }
                    case '(' -> stack.add(MARK);
                    case '0' -> pop(stack);                             // POP
                    case '1' -> popMark(stack);                         // POP_MARK
                    case '2' -> stack.add(top(stack));                  // DUP
                    case 'c' -> stack.add(new Global(readLine(), readLine()));
                    case 0x93 -> {                                      // STACK_GLOBAL
                        String name = (String) pop(stack);
                        stack.add(new Global((String) pop(stack), name));
                    }
                    case 'q' -> memo.put((long) (in.get() & 0xff), top(stack));          // BINPUT
                    case 'r' -> memo.put(in.getInt() & 0xffffffffL, top(stack));         // LONG_BINPUT
                    case 0x94 -> memo.put((long) memo.size(), top(stack));               // MEMOIZE
                    case 'h' -> stack.add(memoGet(memo, in.get() & 0xff, opPos));        // BINGET
                    case 'j' -> stack.add(memoGet(memo, in.getInt() & 0xffffffffL, opPos)); // LONG_BINGET
                    case ')' -> stack.add(new Tuple(List.of()));
                    case 't' -> stack.add(new Tuple(Collections.unmodifiableList(popMark(stack))));
                    case 0x85 -> stack.add(tupleOf(stack, 1));
                    case 0x86 -> stack.add(tupleOf(stack, 2));
                    case 0x87 -> stack.add(tupleOf(stack, 3));
                    case ']' -> stack.add(new ArrayList<>());
                    case 'a' -> {                                       // APPEND
                        Object v = pop(stack);
                        asList(top(stack), opPos).add(v);
                    }
                    case 'e' -> {                                       // APPENDS
                        List<Object> items = popMark(stack);
                        asList(top(stack), opPos).addAll(items);
                    }
                    case '}' -> stack.add(new java.util.LinkedHashMap<Object, Object>());
                    case 's' -> {                                       // SETITEM
                        Object v = pop(stack);
                        Object k = pop(stack);
                        asMap(top(stack), opPos).put(k, v);
                    }
                    case 'u' -> {                                       // SETITEMS
                        List<Object> kv = popMark(stack);
                        Map<Object, Object> m = asMap(top(stack), opPos);
                        for (int i = 0; i + 1 < kv.size(); i += 2) m.put(kv.get(i), kv.get(i + 1));
                    }
                    case 'J' -> stack.add((long) in.getInt());          // BININT: signed 32-bit
                    case 'K' -> stack.add((long) (in.get() & 0xff));    // BININT1
                    case 'M' -> stack.add((long) (in.getShort() & 0xffff)); // BININT2
                    case 0x8a -> stack.add(readLong1());                // LONG1
                    case 'G' -> stack.add(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // BINFLOAT is big-endian
                    case 'N' -> stack.add(null);
                    case 0x88 -> stack.add(Boolean.TRUE);
                    case 0x89 -> stack.add(Boolean.FALSE);
                    case 'X' -> stack.add(readUtf8(in.getInt()));       // BINUNICODE
                    case 0x8c -> stack.add(readUtf8(in.get() & 0xff));  // SHORT_BINUNICODE
                    case 'R' -> {                                       // REDUCE
                        Object args = pop(stack);
                        Object callable = pop(stack);
                        if (!(callable instanceof Global g) || !(args instanceof Tuple t)) {
                            throw bad(opPos, "REDUCE needs a global and a tuple, found " + describe(callable) + " and " + describe(args));
                        }
                        stack.add(hooks.reduce(g, t));
                    }
                    case 'b' -> {                                       // BUILD
                        Object state = pop(stack);
                        hooks.build(top(stack), state);
                    }
                    case 'Q' -> stack.add(hooks.persistentLoad(pop(stack))); // BINPERSID
                    default -> throw bad(opPos, String.format(
                            "unsupported pickle opcode 0x%02x (%s); this reader knows only the opcodes torch.save writes",
                            op, opcodeName(op)));
                }
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw bad(opPos, "the file ends inside a pickle (truncated download?)");
        } catch (ClassCastException | IndexOutOfBoundsException e) {
            throw bad(opPos, "malformed pickle: " + e.getMessage());
        }
    }

    private CheckpointFormatException bad(int pos, String what) {
        return new CheckpointFormatException(source + ": at byte " + pos + ": " + what);
    }

    private static Object pop(List<Object> stack) {
        return stack.remove(stack.size() - 1);
    }

    private static Object top(List<Object> stack) {
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark(List<Object> stack) throws CheckpointFormatException {
        for (int i = stack.size() - 1; i >= 0; i--) {
            if (stack.get(i) == MARK) {
                List<Object> items = new ArrayList<>(stack.subList(i + 1, stack.size()));
                stack.subList(i, stack.size()).clear();
                return items;
            }
        }
        throw bad(in.position() - 1, "no MARK on the stack");
    }

    private static Tuple tupleOf(List<Object> stack, int n) {
        List<Object> items = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
        stack.subList(stack.size() - n, stack.size()).clear();
        return new Tuple(Collections.unmodifiableList(items));
    }

    private Object memoGet(Map<Long, Object> memo, long key, int pos) throws CheckpointFormatException {
        if (!memo.containsKey(key)) throw bad(pos, "memo key " + key + " was never stored");
        return memo.get(key);
    }

    @SuppressWarnings("unchecked")
    private List<Object> asList(Object o, int pos) throws CheckpointFormatException {
        if (o instanceof List<?> l) return (List<Object>) l;
        throw bad(pos, "APPEND onto " + describe(o) + ", not a list");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> asMap(Object o, int pos) throws CheckpointFormatException {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        throw bad(pos, "SETITEM onto " + describe(o) + ", not a dict");
    }

    private String readLine() {
        int start = in.position();
        while (in.get() != '\n') { /* scan */ }
        return new String(in.array(), start, in.position() - start - 1, StandardCharsets.UTF_8);
    }

    private String readUtf8(int length) {
        String s = new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return s;
    }

    /** LONG1: a little-endian two's-complement integer of n bytes; a Long when it fits. */
    private Object readLong1() {
        int n = in.get() & 0xff;
        byte[] be = new byte[Math.max(n, 1)];
        for (int i = 0; i < n; i++) be[n - 1 - i] = in.get();
        BigInteger v = n == 0 ? BigInteger.ZERO : new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    static String describe(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName() + " " + o;
    }

    private static String opcodeName(int op) {
        return switch (op) {
            case 'I' -> "INT"; case 'L' -> "LONG"; case 'S' -> "STRING"; case 'U' -> "SHORT_BINSTRING";
            case 'T' -> "BINSTRING"; case 'V' -> "UNICODE"; case 'F' -> "FLOAT"; case 'P' -> "PERSID";
            case 'p' -> "PUT"; case 'g' -> "GET"; case 'l' -> "LIST"; case 'd' -> "DICT"; case 'i' -> "INST";
            case 'o' -> "OBJ"; case 0x81 -> "NEWOBJ"; case 0x8b -> "LONG4"; case 0x8d -> "BINUNICODE8";
            case 0x8e -> "BINBYTES8"; case 0x8f -> "EMPTY_SET"; case 0x90 -> "ADDITEMS"; case 0x91 -> "FROZENSET";
            case 0x92 -> "NEWOBJ_EX"; case 'B' -> "BINBYTES"; case 'C' -> "SHORT_BINBYTES";
            case 0x96 -> "BYTEARRAY8"; case 0x97 -> "NEXT_BUFFER"; case 0x98 -> "READONLY_BUFFER";
            case 0x82 -> "EXT1"; case 0x83 -> "EXT2"; case 0x84 -> "EXT4";
            default -> "not a pickle opcode";
        };
    }
}
