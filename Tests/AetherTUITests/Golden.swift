// Golden frames. Regenerate: AETHER_WRITE_GOLDEN=/tmp/golden swift test --filter Golden, review the
// files, paste them here. A changed frame is a changed screen: review it as one.
enum Golden {
    static let streams = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                   ● embedded
        ┌─ Namespaces (3) │ 13 events seen ────────────────────────────────────────────┐
        │NAMESPACE        RATE/s LAST 32s                            TOTAL      DROPS  │
        │inventory           1.0                            █ █ █        3          0  │
        │orders              1.0                            █████        5          0  │
        │payments            1.0                            █████        5        3 !  │
        └──────────────────────────────────────────────────────────────────────────────┘
        ┌─ Live tail │ LIVE │ filter: none ────────────────────────────────────────────┐
        │ TIME     NAMESPACE  ACTOR        TYPE              VER DATA                  │
        │▶11:06:44 inventory  sku-1001     StockReceived       5 qty=40                │
        │ 11:06:44 payments   payment-1004 PaymentAuthori…     1 amount=10.5 currency=…│
        │ 11:06:45 orders     order-1001   OrderShipped        5 carrier=dhl tracking=…│
        │ 11:06:43 payments   payment-1003 PaymentAuthori…     1 amount=10.5 currency=…│
        │ 11:06:44 orders     order-1001   OrderPaid           4 payment=payment-1007  │
        │ 11:06:42 inventory  sku-1001     StockReceived       3 qty=40                │
        │ 11:06:42 payments   payment-1002 PaymentAuthori…     1 amount=10.5 currency=…│
        │ 11:06:43 orders     order-1001   ItemAdded           3 price=5.01 qty=1 sku=…│
        │ 11:06:41 payments   payment-1001 PaymentAuthori…     1 amount=10.5 currency=…│
        │ 11:06:42 orders     order-1001   ItemAdded           2 price=19.99 qty=2 sku…│
        │ 11:06:40 inventory  sku-1001     StockReceived       1 qty=40                │
        │ 11:06:40 payments   payment-1000 PaymentAuthori…     1 amount=10.5 currency=…│
        │ 11:06:41 orders     order-1001   OrderPlaced         1 customer=acme items=[…│
        └──────────────────────────────────────────────────────────────────────────────┘
         q quit  ? help  / filter  space pause  ↵ open actor  embedded demo │ writes on
        """#

    static let paused = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                   ● embedded
        ┌─ Namespaces (3) │ 14 events seen ────────────────────────────────────────────┐
        │NAMESPACE        RATE/s LAST 32s                            TOTAL      DROPS  │
        │inventory           1.0                            █ █ █        3          0  │
        │orders              1.0                            █████        6          0  │
        │payments            1.0                            █████        5        3 !  │
        └──────────────────────────────────────────────────────────────────────────────┘
        ┌─ Live tail │ PAUSED +1 new (space resumes) │ filter: none ───────────────────┐
        │ TIME     NAMESPACE  ACTOR        TYPE              VER DATA                  │
        │▶11:06:44 inventory  sku-1001     StockReceived       5 qty=40                │
        │ 11:06:44 payments   payment-1004 PaymentAuthori…     1 amount=10.5 currency=…│
        │ 11:06:45 orders     order-1001   OrderShipped        5 carrier=dhl tracking=…│
        │ 11:06:43 payments   payment-1003 PaymentAuthori…     1 amount=10.5 currency=…│
        │ 11:06:44 orders     order-1001   OrderPaid           4 payment=payment-1007  │
        │ 11:06:42 inventory  sku-1001     StockReceived       3 qty=40                │
        │ 11:06:42 payments   payment-1002 PaymentAuthori…     1 amount=10.5 currency=…│
        │ 11:06:43 orders     order-1001   ItemAdded           3 price=5.01 qty=1 sku=…│
        │ 11:06:41 payments   payment-1001 PaymentAuthori…     1 amount=10.5 currency=…│
        │ 11:06:42 orders     order-1001   ItemAdded           2 price=19.99 qty=2 sku…│
        │ 11:06:40 inventory  sku-1001     StockReceived       1 qty=40                │
        │ 11:06:40 payments   payment-1000 PaymentAuthori…     1 amount=10.5 currency=…│
        │ 11:06:41 orders     order-1001   OrderPlaced         1 customer=acme items=[…│
        └──────────────────────────────────────────────────────────────────────────────┘
         q quit  ? help  / filter  space pause  ↵ open actor  embedded demo │ writes on
        """#

    static let actors = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                   ● embedded
        ┌─ Namespaces ─────┐┌─ Actors in inventory (1) │ bad records: opened only ─────┐
        │▶inventory        ││ ACTOR                                            VERSION │
        │ orders           ││▶sku-1001                                              v5 │
        │ payments         ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        └──────────────────┘└──────────────────────────────────────────────────────────┘
         ↵ open  [ ] namespace  / filter  a append            embedded demo │ writes on
        """#

    static let actorDetail = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                   ● embedded
        ┌─ order-1001 │ 5 events │ snap v2 +3 ─┐┌─ State at v4 │ snap v2 + 2 events ───┐
        │   VER   TYPE                TIME     ││v4 OrderPaid: 2 changes (+ added ~ ch…│
        │    v5   OrderShipped        11:06:45 ││  customer = "acme"                   │
        │▶   v4   OrderPaid           11:06:44 ││  items[0].price = 5.01               │
        │    v3   ItemAdded           11:06:43 ││  items[0].qty = 1                    │
        │    v2 ◆ ItemAdded           11:06:42 ││  items[0].sku = "sku-1004"           │
        │    v1   OrderPlaced         11:06:41 ││+ payment = "payment-1007"            │
        │                                      ││~ status = "placed" → "paid"          │
        │                                      ││  total = 5.01                        │
        │                                      ││                                      │
        │                                      ││                                      │
        │                                      ││                                      │
        │                                      ││                                      │
        │                                      ││                                      │
        │                                      ││                                      │
        │                                      ││                                      │
        │                                      ││                                      │
        │                                      ││                                      │
        │                                      ││                                      │
        │                                      ││⚠ DRIFT at v2, replay ≠ snapshot: +it…│
        │◆ snapshot │ v: jump to a version     ││→: pick a field to see what last chan…│
        └──────────────────────────────────────┘└──────────────────────────────────────┘
         ↑↓ step  ←→ panes  v version  s snapshot  a append   embedded demo │ writes on
        """#

    static let cluster = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                   ● embedded
        ┌─ Members (3) │ leader alpha │ term 42 │ lease 1.6s left ─────────────────────┐
        │   NODE            STATUS    HEARTBEAT  SHARDS    LOAD  ROLE       HOST       │
        │ A ▶alpha          up            120ms      22     8.0  leader     host-alpha │
        │ B  bravo          up            120ms      21     7.5  follower   host-bravo │
        │ C  charlie        suspect        4.0s      21     0.0  follower   host-charli│
        │shard map v7 (term 42) │ 1 handoff in progress │ settling                     │
        └──────────────────────────────────────────────────────────────────────────────┘
        ┌─ Shards (64) │ 1 cell = 1 shard ───────────────────┐┌─ Leader timeline ──────┐
        │ABCABaABCABCABCABCABCABCABCABCABCABCABCABCABCABCABCA││11:06:11 alpha t42      │
        │BCABCABCABCA                                        ││11:06:10 no leader      │
        │                                                    ││11:05:40 bravo t40      │
        │                                                    ││                        │
        │                                                    ││                        │
        │                                                    ││                        │
        │                                                    ││                        │
        │                                                    ││                        │
        │                                                    ││                        │
        │                                                    ││                        │
        │                                                    ││                        │
        │                                                    ││                        │
        │A alpha  B bravo  C charlie  . unowned  * mixed  lo…││                        │
        └────────────────────────────────────────────────────┘└────────────────────────┘
         f failover drill  K kill member  ↑↓ select           embedded demo │ writes on
        """#

    static let bus = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                   ● embedded
        ┌─ Bus │ 2 subscriptions │ 3 dropped ──────────────────────────────────────────┐
        │NAMESPACE           PUBLISHED   RECEIVED  DELIVERED  DROPPED  ERRORS          │
        │orders                      5          0         10        0       0          │
        │payments                    5          0         10      3 !       0          │
        │subscriptions by pattern: >→1  orders→1                                       │
        └──────────────────────────────────────────────────────────────────────────────┘
        ┌─ Store ──────────────────────────────────────────────────────────────────────┐
        │NAMESPACE         STREAM              ACTORS   EVENTS  SNAPS   BAD    BYTES   │
        │orders            orders_events            1        5      0     0     2KiB   │
        │payments          (in memory)              5        5      0     0        -   │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        └──────────────────────────────────────────────────────────────────────────────┘
         q quit  ? help  Tab next view                        embedded demo │ writes on
        """#

    static let help = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                   ● embedded
        ┌─ Namespa┌─ Keys (any key closes) ──────────────────────────────────┐─────────┐
        │NAMESPACE│ Enter            open (actor, event's actor)             │  DROPS  │
        │inventory│ /                filter                                  │      0  │
        │orders   │ space            pause / resume the tail                 │      0  │
        │payments │ a                append an event                         │    3 !  │
        └─────────│ q C-c            quit                                    │─────────┘
        ┌─ Live ta│ ?                this help                               │─────────┐
        │ TIME    │ Tab              next view                               │         │
        │▶11:06:44│ S-Tab            previous view                           │         │
        │ 11:06:44│ 1                Streams view                            │urrency=…│
        │ 11:06:45│ 2                Actors view                             │racking=…│
        │ 11:06:43│ 3                Cluster view                            │urrency=…│
        │ 11:06:44│ 4                Bus view                                │nt-1007  │
        │ 11:06:42│ ↑ k wheel↑       move up                                 │         │
        │ 11:06:42│ ↓ j wheel↓       move down                               │urrency=…│
        │ 11:06:43│ ← h              left pane / older                       │y=1 sku=…│
        │ 11:06:41│ → l              right pane / newer                      │urrency=…│
        │ 11:06:42│ PgUp             page up                                 │ty=2 sku…│
        │ 11:06:40│ PgDn             page down                               │         │
        │ 11:06:40│ Home g           first                                   │urrency=…│
        │ 11:06:41│ End G            last                                    │ items=[…│
        │         │ Esc              back / close                            │         │
        │         │ s                snapshot the actor                      │         │
        │         │ f                leader failover drill                   │         │
        │         │ K                kill a member (embedded demo)           │         │
        │         │ ]                next namespace                          │         │
        │         │ [                previous namespace                      │         │
        │         │ v                jump to version                         │         │
        │         │                                                          │         │
        │         │status is always written as text │ colour │ mouse: click …│         │
        │         └──────────────────────────────────────────────────────────┘         │
        └──────────────────────────────────────────────────────────────────────────────┘
         q quit  ? help  / filter  space pause  ↵ open actor  embedded demo │ writes on
        """#

    static let appendForm = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                   ● embedded
        ┌─ Namespaces (3) │ 13 events seen ────────────────────────────────────────────┐
        │NAMESPACE        RATE/s LAST 32s                            TOTAL      DROPS  │
        │i┌─ Append an event ────────────────────────────────────────────────────────┐ │
        │o│ namespace  inventory                                                     │ │
        │p│                                                                          │ │
        └─│ actor      sku-1001                                                      │─┘
        ┌─│                                                                          │─┐
        │ │ type                                                                     │ │
        │▶│                                                                          │ │
        │ │ version    6                                                             │…│
        │ │                                                                          │…│
        │ │▶data       {"note": x}_                                                  │…│
        │ │                     ^                                                    │ │
        │ │ metadata                                                                 │ │
        │ │                                                                          │…│
        │ │                                                                          │…│
        │ │                                                                          │…│
        │ │data: line 1, column 10: unexpected 'x', expected a value                 │…│
        │ └──────────────────────────────────────────────────────────────────────────┘ │
        │ 11:06:40 payments   payment-1000 PaymentAuthori…     1 amount=10.5 currency=…│
        │ 11:06:41 orders     order-1001   OrderPlaced         1 customer=acme items=[…│
        └──────────────────────────────────────────────────────────────────────────────┘
         q quit  ? help  / filter  space pause  ↵ open actor  embedded demo │ writes on
        """#

    static let wideTail = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                   ● embedded
        ┌─ Namespaces (3) │ 18 events seen ────────────────────────────────────────────┐
        │NAMESPACE        RATE/s LAST 32s                            TOTAL      DROPS  │
        │inventory           1.0                            █ █ █        3          0  │
        │orders              1.0                            █████       10          0  │
        │payments            1.0                            █████        5        3 !  │
        └──────────────────────────────────────────────────────────────────────────────┘
        ┌─ Live tail │ LIVE │ filter: none ────────────────────────────────────────────┐
        │ TIME     NAMESPACE  ACTOR        TYPE              VER DATA                  │
        │▶11:06:50 orders     café         Placed              7 k=値                  │
        │ 11:06:50 orders     bidi…        Placed              7 k=値                  │
        │ 11:06:50 orders     zero…        Placed              7 k=値                  │
        │ 11:06:50 orders     🚀rocket     Launched🚀          7 k=値                  │
        │ 11:06:50 orders     注文-1001    Placed              7 k=値                  │
        │ 11:06:44 inventory  sku-1001     StockReceived       5 qty=40                │
        │ 11:06:44 payments   payment-1004 PaymentAuthori…     1 amount=10.5 currency=…│
        │ 11:06:45 orders     order-1001   OrderShipped        5 carrier=dhl tracking=…│
        │ 11:06:43 payments   payment-1003 PaymentAuthori…     1 amount=10.5 currency=…│
        │ 11:06:44 orders     order-1001   OrderPaid           4 payment=payment-1007  │
        │ 11:06:42 inventory  sku-1001     StockReceived       3 qty=40                │
        │ 11:06:42 payments   payment-1002 PaymentAuthori…     1 amount=10.5 currency=…│
        │ 11:06:43 orders     order-1001   ItemAdded           3 price=5.01 qty=1 sku=…│
        └──────────────────────────────────────────────────────────────────────────────┘
         q quit  ? help  / filter  space pause  ↵ open actor  embedded demo │ writes on
        """#
    static let wideActors = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                   ● embedded
        ┌─ Namespaces ─────┐┌─ Actors in orders (5) │ bad records: opened only ────────┐
        │ inventory        ││ ACTOR                                            VERSION │
        │▶orders           ││▶bidi\u{202E}lilve                                     v7 │
        │ payments         ││ café                                                  v7 │
        │                  ││ zero\u{200B}width                                     v7 │
        │                  ││ 注文-1001                                             v7 │
        │                  ││ 🚀rocket                                              v7 │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        └──────────────────┘└──────────────────────────────────────────────────────────┘
         ↵ open  [ ] namespace  / filter  a append            embedded demo │ writes on
        """#

    static let badHistory = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                   ● embedded
        ┌─ order-1001 │ 5 events │ ⚠ 2 bad │… ─┐┌─ State at v5 │ ⚠ skips 2 bad │ 5 e… ─┐
        │   VER   TYPE                TIME     ││v5 OrderShipped: 3 changes (+ added ~…│
        │▶   v5   OrderShipped        11:06:45 ││+ carrier = "dhl"                     │
        │ ⚠ seq 6 70B: event "e3" has version …││  customer = "acme"                   │
        │    v4   OrderPaid           11:06:44 ││  items[0].price = 19.99              │
        │    v3   ItemAdded           11:06:43 ││  items[0].qty = 2                    │
        │ ⚠ seq 3 15B: not JSON: unexpected 'n…││  items[0].sku = "sku-1002"           │
        │    v2   ItemAdded           11:06:42 ││  items[1].price = 5.01               │
        │    v1   OrderPlaced         11:06:41 ││  items[1].qty = 1                    │
        │                                      ││  items[1].sku = "sku-1004"           │
        │                                      ││  payment = "payment-1007"            │
        │                                      ││~ status = "paid" → "shipped"         │
        │                                      ││  total = 25.0                        │
        │                                      ││+ tracking = "TRK123456"              │
        │                                      ││                                      │
        │                                      ││                                      │
        │                                      ││                                      │
        │                                      ││                                      │
        │                                      ││                                      │
        │                                      ││                                      │
        │◆ snapshot │ v: jump to a version     ││→: pick a field to see what last chan…│
        └──────────────────────────────────────┘└──────────────────────────────────────┘
         ↑↓ step  ←→ panes  v version  s snapshot  a append   embedded demo │ writes on
        """#
    static let badActors = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                   ● embedded
        ┌─ Namespaces ─────┐┌─ Actors in orders (2) │ ⚠ 1 undecodable subject │ bad … ─┐
        │ inventory        ││ ACTOR                                            VERSION │
        │▶orders           ││▶order-1001                                         ⚠2 v5 │
        │ payments         ││ order-1002                                            v1 │
        │                  ││ ⚠ ~ZZbad~              1 record; its actor token does no…│
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        └──────────────────┘└──────────────────────────────────────────────────────────┘
         ↵ open  [ ] namespace  / filter  a append            embedded demo │ writes on
        """#
}
