"""Reading one large JSON object in pieces, without holding it: the elements of one array member
come out one at a time, the other members whole. Made for the messages whose payload is a long
list (SendLocalList: 255 entries, some 35 KB, where json.loads of the whole would make about
115 KB of objects on a 64-bit port); each element is small and is decoded by json.loads alone.

    scan = Scanner("localAuthorizationList")
    for piece in pieces:                       # str pieces of {"listVersion": 3, ...}
        for name, text in scan.feed(piece):    # name None: one element of the array
            ...json.loads(text)...
    scan.end()                                 # ValueError unless the object was whole

A CALL read as it arrives ends with the "]" of its array: Scanner(..., tail="]") takes it.

Only the structure is checked here (strings, nesting, the one top-level object); what the
elements and members hold is json.loads's to check. Loaded through the module cache by what
reads such a message.
"""

_OPEN = "{["
_CLOSE = "}]"


class Scanner:
    def __init__(self, array_name, max_piece=4096, tail=""):
        self.array_name = array_name
        self.max_piece = max_piece  # the longest element or member accepted (bytes of text)
        self.tail = tail  # one character that must follow the object (a CALL's "]"), or ""
        self._depth = 0  # nesting: 1 inside the top object
        self._in_str = False
        self._esc = False
        self._key = None  # the member being read (depth 1)
        self._want_key = True
        self._text = []  # the pieces of the element or member value being collected
        self._size = 0
        self._collecting = False
        self._in_array = False  # inside the array member (depth 2)
        self._done = False
        self._tail_seen = not tail

    def feed(self, piece):
        """The (name, text) pairs completed in `piece`: (None, element text) for each element
        of the array member, (member name, value text) for every other member."""
        out = []
        i, n = 0, len(piece)
        start = 0 if self._collecting else -1
        while i < n:
            ch = piece[i]
            if self._in_str:
                if self._esc:
                    self._esc = False
                elif ch == "\\":
                    self._esc = True
                elif ch == '"':
                    self._in_str = False
                    if self._depth == 1 and self._want_key:
                        self._key = "".join(self._text) + piece[start:i]
                        self._text = []
                        self._collecting = False
                        start = -1
                i += 1
                continue
            if self._done:
                if ch == self.tail:
                    self.tail = ""
                    self._tail_seen = True
                elif ch not in " \t\r\n":
                    raise ValueError("text after the object")
                i += 1
                continue
            if ch == '"':
                self._in_str = True
                if self._depth == 1 and self._want_key:
                    self._collecting = True
                    self._text = []
                    start = i + 1
                elif not self._collecting:
                    start = self._begin(i)
            elif ch in _OPEN:
                if self._depth == 0:
                    if ch != "{":
                        raise ValueError("not an object")
                    self._depth = 1
                elif self._depth == 1 and self._want_key:
                    raise ValueError("a member name was expected")
                elif self._depth == 1 and self._key == self.array_name and ch == "[" and \
                        not self._in_array and not self._collecting:
                    self._in_array = True
                    self._depth = 2
                else:
                    if not self._collecting:
                        start = self._begin(i)
                    self._depth += 1
            elif ch in _CLOSE:
                self._depth -= 1
                if self._depth < 0:
                    raise ValueError("unbalanced " + ch)
                if self._depth == 0:
                    if ch != "}" or (self._want_key and self._key is not None):
                        raise ValueError("unbalanced " + ch)
                    if self._collecting:  # the last member's value
                        out.append(self._finish(piece, start, i))
                        start = -1
                    self._done = True
                elif self._in_array and self._depth == 1:  # the array member ends
                    if self._collecting:
                        out.append(self._finish(piece, start, i))
                        start = -1
                    self._in_array = False
                    self._key = None
                elif self._collecting and self._in_array and self._depth == 2:
                    out.append(self._finish(piece, start, i + 1))  # one element, whole
                    start = -1
            elif ch == ":":
                if self._depth == 1:
                    if not self._want_key or self._key is None:
                        raise ValueError("':' out of place")
                    self._want_key = False
            elif ch == ",":
                if self._depth == 1:
                    if self._collecting:
                        out.append(self._finish(piece, start, i))
                        start = -1
                    self._want_key = True
                    self._key = None
                elif self._depth == 2 and self._in_array and self._collecting:
                    out.append(self._finish(piece, start, i))
                    start = -1
            elif ch not in " \t\r\n":
                if self._depth == 0:
                    raise ValueError("not an object")
                if not self._collecting and (self._depth > 1 or not self._want_key):
                    start = self._begin(i)
                elif self._depth == 1 and self._want_key:
                    raise ValueError("a member name was expected")
            i += 1
        if self._collecting and start >= 0:
            self._keep(piece[start:])
        return out

    def end(self):
        """Raise ValueError unless one whole object was read."""
        if not self._done or self._in_str or not self._tail_seen:
            raise ValueError("the object is cut short")

    # -- collecting ------------------------------------------------------------------------------
    def _begin(self, i):
        self._collecting = True
        self._text = []
        self._size = 0
        return i

    def _keep(self, text):
        self._size += len(text)
        if self._size > self.max_piece:
            raise ValueError("an element over %d bytes" % self.max_piece)
        self._text.append(text)

    def _finish(self, piece, start, end):
        self._keep(piece[start:end] if start >= 0 else "")
        text = "".join(self._text).strip()
        self._text = []
        self._collecting = False
        self._size = 0
        if self._in_array:
            if not text:
                raise ValueError("an empty element")
            return None, text
        return self._key, text
