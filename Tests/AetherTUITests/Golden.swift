// Golden frames. Regenerate: AETHER_WRITE_GOLDEN=/tmp/golden swift test --filter Golden, review the
// files, paste them here. A changed frame is a changed screen: review it as one.
enum Golden {
    static let streams = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
        ┌─ Namespaces (3) │ 13 events seen ────────────────────────────────────────────┐
        │NAMESPACE        RATE/s LAST 32s                            TOTAL      DROPS  │
        │inventory           1.0                            █ █ █        3          0  │
        │orders              1.0                            █████        5          0  │
        │payments            1.0                            █████        5        3 !  │
        └──────────────────────────────────────────────────────────────────────────────┘
        ┌─ Live tail │ LIVE │ filter: none ────────────────────────────────────────────┐
        │ TIME     NAMESPACE ACTOR        TYPE              VER DATA                   │
        │▶11:06:44 inventory sku-1001     StockReceived       5 qty=40                 │
        │ 11:06:44 payments  payment-1004 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:45 orders    order-1001   OrderShipped        5 carrier=dhl tracking=T…│
        │ 11:06:43 payments  payment-1003 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:44 orders    order-1001   OrderPaid           4 payment=payment-1007   │
        │ 11:06:42 inventory sku-1001     StockReceived       3 qty=40                 │
        │ 11:06:42 payments  payment-1002 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:43 orders    order-1001   ItemAdded           3 price=5.01 qty=1 sku=s…│
        │ 11:06:41 payments  payment-1001 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:42 orders    order-1001   ItemAdded           2 price=19.99 qty=2 sku=…│
        │ 11:06:40 inventory sku-1001     StockReceived       1 qty=40                 │
        │ 11:06:40 payments  payment-1000 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:41 orders    order-1001   OrderPlaced         1 customer=acme items=[0…│
        └──────────────────────────────────────────────────────────────────────────────┘
         q quit  ? help  / filter  space pause  ↵ inspect     embedded demo │ writes on
        """#

    static let paused = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
        ┌─ Namespaces (3) │ 14 events seen ────────────────────────────────────────────┐
        │NAMESPACE        RATE/s LAST 32s                            TOTAL      DROPS  │
        │inventory           1.0                            █ █ █        3          0  │
        │orders              1.0                            █████        6          0  │
        │payments            1.0                            █████        5        3 !  │
        └──────────────────────────────────────────────────────────────────────────────┘
        ┌─ Live tail │ PAUSED +1 new (space resumes) │ filter: none ───────────────────┐
        │ TIME     NAMESPACE ACTOR        TYPE              VER DATA                   │
        │▶11:06:44 inventory sku-1001     StockReceived       5 qty=40                 │
        │ 11:06:44 payments  payment-1004 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:45 orders    order-1001   OrderShipped        5 carrier=dhl tracking=T…│
        │ 11:06:43 payments  payment-1003 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:44 orders    order-1001   OrderPaid           4 payment=payment-1007   │
        │ 11:06:42 inventory sku-1001     StockReceived       3 qty=40                 │
        │ 11:06:42 payments  payment-1002 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:43 orders    order-1001   ItemAdded           3 price=5.01 qty=1 sku=s…│
        │ 11:06:41 payments  payment-1001 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:42 orders    order-1001   ItemAdded           2 price=19.99 qty=2 sku=…│
        │ 11:06:40 inventory sku-1001     StockReceived       1 qty=40                 │
        │ 11:06:40 payments  payment-1000 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:41 orders    order-1001   OrderPlaced         1 customer=acme items=[0…│
        └──────────────────────────────────────────────────────────────────────────────┘
         q quit  ? help  / filter  space pause  ↵ inspect     embedded demo │ writes on
        """#

    static let actors = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
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
         ↵ open  [ ] namespace  / filter  : command           embedded demo │ writes on
        """#

    static let actorDetail = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
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
         ↑↓ step  ↵ inspect  ←→ panes  v version  e export    embedded demo │ writes on
        """#

    static let cluster = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
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
         f failover drill  ↑↓ select  : command               embedded demo │ writes on
        """#

    static let bus = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
        ┌─ Bus │ 2 subscriptions │ 3 dropped ──────────────────────────────────────────┐
        │NAMESPACE           PUBLISHED   RECEIVED  DELIVERED  DROPPED  ERRORS          │
        │payments                    5          0         10      3 !       0          │
        │orders                      5          0         10        0       0          │
        │subscriptions by pattern: >→1  orders→1                                       │
        └──────────────────────────────────────────────────────────────────────────────┘
        ┌─ Store (2) ──────────────────────────────────────────────────────────────────┐
        │NAMESPACE      STREAM              ACTORS      EVENTS  SNAPS   BAD    BYTES   │
        │orders         orders_events            1           5      0     0     2KiB   │
        │payments       (in memory)              5           5      0     0        -   │
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
         q quit  ? help  Tab next view  : command             embedded demo │ writes on
        """#

    static let help = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
        ┌─ Namespa┌─ Keys 1–29 of 33 │ ↓↑ PgDn PgUp scroll │ Esc closes ─────┐─────────┐
        │NAMESPACE│ Enter            open (an actor, an event whole)         │  DROPS  │
        │inventory│ /                filter                                  │      0  │
        │orders   │ space            pause / resume the tail                 │      0  │
        │payments │ a                append an event                         │    3 !  │
        └─────────│ e                export what is shown (JSON Lines)       │─────────┘
        ┌─ Live ta│ t                trace the event's request               │─────────┐
        │ TIME    │ q C-c            quit                                    │         │
        │▶11:06:44│ ?                this help                               │         │
        │ 11:06:44│ Tab              next view                               │rrency=E…│
        │ 11:06:45│ S-Tab            previous view                           │acking=T…│
        │ 11:06:43│ 1                Streams view                            │rrency=E…│
        │ 11:06:44│ 2                Actors view                             │t-1007   │
        │ 11:06:42│ 3                Cluster view                            │         │
        │ 11:06:42│ 4                Bus view                                │rrency=E…│
        │ 11:06:43│ ↑ k wheel↑       move up                                 │=1 sku=s…│
        │ 11:06:41│ ↓ j wheel↓       move down                               │rrency=E…│
        │ 11:06:42│ ← h              left pane / older                       │y=2 sku=…│
        │ 11:06:40│ → l              right pane / newer                      │         │
        │ 11:06:40│ PgUp             page up                                 │rrency=E…│
        │ 11:06:41│ PgDn             page down                               │items=[0…│
        │         │ Home g           first                                   │         │
        │         │ End G            last                                    │         │
        │         │ Esc              back / close                            │         │
        │         │ s                snapshot the actor                      │         │
        │         │ f                leader failover drill                   │         │
        │         │ K                kill a member (embedded demo)           │         │
        │         │ ]                next namespace                          │         │
        │         │ [                previous namespace                      │         │
        │         │ v                jump to version                         │         │
        │         │status is always written as text │ colour │ mouse: click …│         │
        └─────────└──────────────────────────────────────────────────────────┘─────────┘
         ↓↑ PgDn PgUp g G scroll  any other key closes        embedded demo │ writes on
        """#

    static let appendForm = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
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
        │ │data: line 1, column 10: unexpected 'x', expected a value                 │…│
        │ │Enter submit  Tab next field  Esc cancel                                  │…│
        │ └──────────────────────────────────────────────────────────────────────────┘ │
        │ 11:06:40 payments  payment-1000 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:41 orders    order-1001   OrderPlaced         1 customer=acme items=[0…│
        └──────────────────────────────────────────────────────────────────────────────┘
         q quit  ? help  / filter  space pause  ↵ inspect     embedded demo │ writes on
        """#

    static let wideTail = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
        ┌─ Namespaces (3) │ 18 events seen ────────────────────────────────────────────┐
        │NAMESPACE        RATE/s LAST 32s                            TOTAL      DROPS  │
        │inventory           1.0                            █ █ █        3          0  │
        │orders              1.0                            █████       10          0  │
        │payments            1.0                            █████        5        3 !  │
        └──────────────────────────────────────────────────────────────────────────────┘
        ┌─ Live tail │ LIVE │ filter: none ────────────────────────────────────────────┐
        │ TIME     NAMESPACE ACTOR             TYPE              VER DATA              │
        │▶11:06:50 orders    café              Placed              7 k=値              │
        │ 11:06:50 orders    bidi\u{202E}lilve Placed              7 k=値              │
        │ 11:06:50 orders    zero\u{200B}width Placed              7 k=値              │
        │ 11:06:50 orders    🚀rocket          Launched🚀          7 k=値              │
        │ 11:06:50 orders    注文-1001         Placed              7 k=値              │
        │ 11:06:44 inventory sku-1001          StockReceived       5 qty=40            │
        │ 11:06:44 payments  payment-1004      PaymentAuthorized   1 amount=10.5 curre…│
        │ 11:06:45 orders    order-1001        OrderShipped        5 carrier=dhl track…│
        │ 11:06:43 payments  payment-1003      PaymentAuthorized   1 amount=10.5 curre…│
        │ 11:06:44 orders    order-1001        OrderPaid           4 payment=payment-1…│
        │ 11:06:42 inventory sku-1001          StockReceived       3 qty=40            │
        │ 11:06:42 payments  payment-1002      PaymentAuthorized   1 amount=10.5 curre…│
        │ 11:06:43 orders    order-1001        ItemAdded           3 price=5.01 qty=1 …│
        └──────────────────────────────────────────────────────────────────────────────┘
         q quit  ? help  / filter  space pause  ↵ inspect     embedded demo │ writes on
        """#
    static let wideActors = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
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
         ↵ open  [ ] namespace  / filter  : command           embedded demo │ writes on
        """#

    static let badHistory = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
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
         ↑↓ step  ↵ inspect  ←→ panes  v version  e export    embedded demo │ writes on
        """#
    static let badActors = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
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
         ↵ open  [ ] namespace  / filter  : command           embedded demo │ writes on
        """#
    static let inspectorEvent = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
        ┌─ Event OrderPlaced orders/order-1001 v5 │ lines 1–19 of 35 ──────────────────┐
        │ id             0f6c1a52-5d5e-4c8e-9c62-3b0f8d7e2a11                          │
        │ type           OrderPlaced                                                   │
        │ actor          order-1001                                                    │
        │ namespace      orders                                                        │
        │ version        5                                                             │
        │ commandId      cmd-77                                                        │
        │ time UTC       2026-11-18T11:06:44.123456789Z                                │
        │ time local     2026-11-18T12:06:44.123456789+01:00                           │
        │ metadata (6 keys)                                                            │
        │ correlationId  corr-9                                                        │
        │ causationId    evt-4                                                         │
        │ userId         ops@example.com                                               │
        │ traceId        4bf92f3577b34da6                                              │
        │ spanId         00f067aa0ba902b7                                              │
        │ tenant         eu-1                                                          │
        │ data (3 keys, 78 bytes)                                                      │
        │ {                                                                            │
        │   "items": [                                                                 │
        │     {                                                                        │
        │ ↓↑ PgDn PgUp scroll  e export  Enter actor at v5  Esc close                  │
        └──────────────────────────────────────────────────────────────────────────────┘
         Esc close  ? help  : command  1-4 views              embedded demo │ writes on
        """#
    static let inspectorEventLarge = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                                      ★ alpha t42 │ 2/3 up ● embedded
        ┌─ Event OrderPlaced orders/order-1001 v5 ─────────────────────────────────────────────────────────────────────────────┐
        │ id             0f6c1a52-5d5e-4c8e-9c62-3b0f8d7e2a11                                                                  │
        │ type           OrderPlaced                                                                                           │
        │ actor          order-1001                                                                                            │
        │ namespace      orders                                                                                                │
        │ version        5                                                                                                     │
        │ commandId      cmd-77                                                                                                │
        │ time UTC       2026-11-18T11:06:44.123456789Z                                                                        │
        │ time local     2026-11-18T12:06:44.123456789+01:00                                                                   │
        │ metadata (6 keys)                                                                                                    │
        │ correlationId  corr-9                                                                                                │
        │ causationId    evt-4                                                                                                 │
        │ userId         ops@example.com                                                                                       │
        │ traceId        4bf92f3577b34da6                                                                                      │
        │ spanId         00f067aa0ba902b7                                                                                      │
        │ tenant         eu-1                                                                                                  │
        │ data (3 keys, 78 bytes)                                                                                              │
        │ {                                                                                                                    │
        │   "items": [                                                                                                         │
        │     {                                                                                                                │
        │       "qty": 2,                                                                                                      │
        │       "sku": "sku-1001"                                                                                              │
        │     }                                                                                                                │
        │   ],                                                                                                                 │
        │   "note": "leave at the door",                                                                                       │
        │   "total": 42.5                                                                                                      │
        │ }                                                                                                                    │
        │ stored message                                                                                                       │
        │ stream         orders_events                                                                                         │
        │ subject        aether.orders.events.b3JkZXItMTAwMQ                                                                   │
        │ sequence       812                                                                                                   │
        │ size           402 bytes payload                                                                                     │
        │ stored at      2026-11-18T11:06:44.2Z                                                                                │
        │ headers (2)                                                                                                          │
        │ Nats-Msg-Id: 0f6c1a52-5d5e-4c8e-9c62-3b0f8d7e2a11                                                                    │
        │ Aether-Version: 5                                                                                                    │
        │ ↓↑ PgDn PgUp scroll  e export  Enter actor at v5  Esc close                                                          │
        └──────────────────────────────────────────────────────────────────────────────────────────────────────────────────────┘
         Esc close  ? help  : command  1-4 views                                                      embedded demo │ writes on
        """#
    static let inspectorEventEnd = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
        ┌─ Event OrderPlaced orders/order-1001 v5 │ lines 17–35 of 35 ─────────────────┐
        │ {                                                                            │
        │   "items": [                                                                 │
        │     {                                                                        │
        │       "qty": 2,                                                              │
        │       "sku": "sku-1001"                                                      │
        │     }                                                                        │
        │   ],                                                                         │
        │   "note": "leave at the door",                                               │
        │   "total": 42.5                                                              │
        │ }                                                                            │
        │ stored message                                                               │
        │ stream         orders_events                                                 │
        │ subject        aether.orders.events.b3JkZXItMTAwMQ                           │
        │ sequence       812                                                           │
        │ size           402 bytes payload                                             │
        │ stored at      2026-11-18T11:06:44.2Z                                        │
        │ headers (2)                                                                  │
        │ Nats-Msg-Id: 0f6c1a52-5d5e-4c8e-9c62-3b0f8d7e2a11                            │
        │ Aether-Version: 5                                                            │
        │ ↓↑ PgDn PgUp scroll  e export  Enter actor at v5  Esc close                  │
        └──────────────────────────────────────────────────────────────────────────────┘
         Esc close  ? help  : command  1-4 views              embedded demo │ writes on
        """#
    static let inspectorSnapshot = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
        ┌─ Snapshot orders/order-1001 v2 ──────────────────────────────────────────────┐
        │ actor          order-1001                                                    │
        │ namespace      orders                                                        │
        │ version        2                                                             │
        │ time UTC       2026-11-18T11:06:42.000000000Z                                │
        │ time local     2026-11-18T12:06:42.000000000+01:00                           │
        │ checksum       DRIFT at v2: items ∅ →                                        │
        │                [{"price":19.99,"qty":2,"sku":"sku-1002"}], total ∅ → 19.99   │
        │ state (2 keys, 37 bytes)                                                     │
        │ {                                                                            │
        │   "customer": "acme",                                                        │
        │   "status": "placed"                                                         │
        │ }                                                                            │
        │ Tab shows the event at this version                                          │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │                                                                              │
        │ ↓↑ PgDn PgUp scroll  Tab event  e export  Enter actor at v2  Esc close       │
        └──────────────────────────────────────────────────────────────────────────────┘
         Esc close  ? help  : command  1-4 views              embedded demo │ writes on
        """#
    static let inspectorSnapshotLarge = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                                      ★ alpha t42 │ 2/3 up ● embedded
        ┌─ Snapshot orders/order-1001 v2 ──────────────────────────────────────────────────────────────────────────────────────┐
        │ actor          order-1001                                                                                            │
        │ namespace      orders                                                                                                │
        │ version        2                                                                                                     │
        │ time UTC       2026-11-18T11:06:42.000000000Z                                                                        │
        │ time local     2026-11-18T12:06:42.000000000+01:00                                                                   │
        │ checksum       DRIFT at v2: items ∅ → [{"price":19.99,"qty":2,"sku":"sku-1002"}], total ∅ → 19.99                    │
        │ state (2 keys, 37 bytes)                                                                                             │
        │ {                                                                                                                    │
        │   "customer": "acme",                                                                                                │
        │   "status": "placed"                                                                                                 │
        │ }                                                                                                                    │
        │ Tab shows the event at this version                                                                                  │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │ ↓↑ PgDn PgUp scroll  Tab event  e export  Enter actor at v2  Esc close                                               │
        └──────────────────────────────────────────────────────────────────────────────────────────────────────────────────────┘
         Esc close  ? help  : command  1-4 views                                                      embedded demo │ writes on
        """#
    static let helpPage1 = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
        ┌─ Namespa┌─ Keys 1–19 of 33 │ ↓↑ PgDn PgUp scroll │ Esc closes ─────┐─────────┐
        │NAMESPACE│ Enter            open (an actor, an event whole)         │  DROPS  │
        │inventory│ /                filter                                  │      0  │
        │orders   │ space            pause / resume the tail                 │      0  │
        │payments │ a                append an event                         │    3 !  │
        └─────────│ e                export what is shown (JSON Lines)       │─────────┘
        ┌─ Live ta│ t                trace the event's request               │─────────┐
        │ TIME    │ q C-c            quit                                    │         │
        │▶11:06:44│ ?                this help                               │         │
        │ 11:06:44│ Tab              next view                               │rrency=E…│
        │ 11:06:45│ S-Tab            previous view                           │acking=T…│
        │ 11:06:43│ 1                Streams view                            │rrency=E…│
        │ 11:06:44│ 2                Actors view                             │t-1007   │
        │ 11:06:42│ 3                Cluster view                            │         │
        │ 11:06:42│ 4                Bus view                                │rrency=E…│
        │ 11:06:43│ ↑ k wheel↑       move up                                 │=1 sku=s…│
        │ 11:06:41│ ↓ j wheel↓       move down                               │rrency=E…│
        │ 11:06:42│ ← h              left pane / older                       │y=2 sku=…│
        │ 11:06:40│ → l              right pane / newer                      │         │
        │ 11:06:40│ PgUp             page up                                 │rrency=E…│
        │ 11:06:41│status is always written as text │ colour │ mouse: click …│items=[0…│
        └─────────└──────────────────────────────────────────────────────────┘─────────┘
         ↓↑ PgDn PgUp g G scroll  any other key closes        embedded demo │ writes on
        """#
    static let helpPage2 = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
        ┌─ Namespa┌─ Keys 15–33 of 33 │ ↓↑ PgDn PgUp scroll │ Esc closes ────┐─────────┐
        │NAMESPACE│ ↑ k wheel↑       move up                                 │  DROPS  │
        │inventory│ ↓ j wheel↓       move down                               │      0  │
        │orders   │ ← h              left pane / older                       │      0  │
        │payments │ → l              right pane / newer                      │    3 !  │
        └─────────│ PgUp             page up                                 │─────────┘
        ┌─ Live ta│ PgDn             page down                               │─────────┐
        │ TIME    │ Home g           first                                   │         │
        │▶11:06:44│ End G            last                                    │         │
        │ 11:06:44│ Esc              back / close                            │rrency=E…│
        │ 11:06:45│ s                snapshot the actor                      │acking=T…│
        │ 11:06:43│ f                leader failover drill                   │rrency=E…│
        │ 11:06:44│ K                kill a member (embedded demo)           │t-1007   │
        │ 11:06:42│ ]                next namespace                          │         │
        │ 11:06:42│ [                previous namespace                      │rrency=E…│
        │ 11:06:43│ v                jump to version                         │=1 sku=s…│
        │ 11:06:41│ :                command line (Tab completes)            │rrency=E…│
        │ 11:06:42│ m                message log (the last 100)              │y=2 sku=…│
        │ 11:06:40│ C-u C-w          in text fields: clear, delete a word    │         │
        │ 11:06:40│ S r              trace view: scan, look up again         │rrency=E…│
        │ 11:06:41│status is always written as text │ colour │ mouse: click …│items=[0…│
        └─────────└──────────────────────────────────────────────────────────┘─────────┘
         ↓↑ PgDn PgUp g G scroll  any other key closes        embedded demo │ writes on
        """#
    static let helpLarge = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                                      ★ alpha t42 │ 2/3 up ● embedded
        ┌─ Namespaces (3) │ 13 events seen ────────────────────────────────────────────────────────────────────────────────────┐
        │NAMESPACE           RATE/s LAST 69s                                                                 TOTAL      DROPS  │
        │inventory              1.0                                                                 █ █ █        3          0  │
        │orders                 1.0                                                                 █████        5          0  │
        │payments               1.0                                                                 █████        5        3 !  │
        └──────────────────────────────────────────────────────────────────────────────────────────────────────────────────────┘
        ┌─ Live tail │ LIVE │ filter: none ────────────────────────────────────────────────────────────────────────────────────┐
        │ TIME     NAMESPACE ACTOR        TYPE              VER DATA                                                           │
        │▶11:06:44 i┌─ Keys (any key closes) ──────────────────────────────────────────────────────────────────────┐           │
        │ 11:06:44 p│ Enter            open (an actor, an event wh…  → l              right pane / newer           │           │
        │ 11:06:45 o│ /                filter                        PgUp             page up                      │           │
        │ 11:06:43 p│ space            pause / resume the tail       PgDn             page down                    │           │
        │ 11:06:44 o│ a                append an event               Home g           first                        │           │
        │ 11:06:42 i│ e                export what is shown (JSON …  End G            last                         │           │
        │ 11:06:42 p│ t                trace the event's request     Esc              back / close                 │           │
        │ 11:06:43 o│ q C-c            quit                          s                snapshot the actor           │           │
        │ 11:06:41 p│ ?                this help                     f                leader failover drill        │           │
        │ 11:06:42 o│ Tab              next view                     K                kill a member (embedded dem… │           │
        │ 11:06:40 i│ S-Tab            previous view                 ]                next namespace               │           │
        │ 11:06:40 p│ 1                Streams view                  [                previous namespace           │           │
        │ 11:06:41 o│ 2                Actors view                   v                jump to version              │           │
        │           │ 3                Cluster view                  :                command line (Tab completes) │           │
        │           │ 4                Bus view                      m                message log (the last 100)   │           │
        │           │ ↑ k wheel↑       move up                       C-u C-w          in text fields: clear, dele… │           │
        │           │ ↓ j wheel↓       move down                     S r              trace view: scan, look up a… │           │
        │           │ ← h              left pane / older                                                           │           │
        │           │                                                                                              │           │
        │           │status is always written as text │ colour │ mouse: click tabs and rows, wheel scrolls         │           │
        │           └──────────────────────────────────────────────────────────────────────────────────────────────┘           │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        └──────────────────────────────────────────────────────────────────────────────────────────────────────────────────────┘
         any key closes                                                                               embedded demo │ writes on
        """#
    static let commandCompletion = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
        ┌─ Namespaces (3) │ 13 events seen ────────────────────────────────────────────┐
        │NAMESPACE        RATE/s LAST 32s                            TOTAL      DROPS  │
        │inventory           1.0                            █ █ █        3          0  │
        │orders              1.0                            █████        5          0  │
        │payments            1.0                            █████        5        3 !  │
        └──────────────────────────────────────────────────────────────────────────────┘
        ┌─ Live tail │ LIVE │ filter: none ────────────────────────────────────────────┐
        │ TIME     NAMESPACE ACTOR        TYPE              VER DATA                   │
        │▶11:06:44 inventory sku-1001     StockReceived       5 qty=40                 │
        │ 11:06:44 payments  payment-1004 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:45 orders    order-1001   OrderShipped        5 carrier=dhl tracking=T…│
        │ 11:06:43 payments  payment-1003 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:44 orders    order-1001   OrderPaid           4 payment=payment-1007   │
        │ 11:06:42 inventory sku-1001     StockReceived       3 qty=40                 │
        │ 11:06:42 payments  payment-1002 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:43 orders    order-1001   ItemAdded           3 price=5.01 qty=1 sku=s…│
        │ 11:06:41 payments  payment-1001 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:42 orders    order-1001   ItemAdded           2 price=19.99 qty=2 sku=…│
        │ 11:06:40 inventory sku-1001     StockReceived       1 qty=40                 │
          actor      NAMESPACE/ID  open an actor
          actors     Actors view

        :actor_
        """#
    static let commandCompletionLarge = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                                      ★ alpha t42 │ 2/3 up ● embedded
        ┌─ Namespaces (3) │ 13 events seen ────────────────────────────────────────────────────────────────────────────────────┐
        │NAMESPACE           RATE/s LAST 69s                                                                 TOTAL      DROPS  │
        │inventory              1.0                                                                 █ █ █        3          0  │
        │orders                 1.0                                                                 █████        5          0  │
        │payments               1.0                                                                 █████        5        3 !  │
        └──────────────────────────────────────────────────────────────────────────────────────────────────────────────────────┘
        ┌─ Live tail │ LIVE │ filter: none ────────────────────────────────────────────────────────────────────────────────────┐
        │ TIME     NAMESPACE ACTOR        TYPE              VER DATA                                                           │
        │▶11:06:44 inventory sku-1001     StockReceived       5 qty=40                                                         │
        │ 11:06:44 payments  payment-1004 PaymentAuthorized   1 amount=10.5 currency=EUR                                       │
        │ 11:06:45 orders    order-1001   OrderShipped        5 carrier=dhl tracking=TRK123456                                 │
        │ 11:06:43 payments  payment-1003 PaymentAuthorized   1 amount=10.5 currency=EUR                                       │
        │ 11:06:44 orders    order-1001   OrderPaid           4 payment=payment-1007                                           │
        │ 11:06:42 inventory sku-1001     StockReceived       3 qty=40                                                         │
        │ 11:06:42 payments  payment-1002 PaymentAuthorized   1 amount=10.5 currency=EUR                                       │
        │ 11:06:43 orders    order-1001   ItemAdded           3 price=5.01 qty=1 sku=sku-1004                                  │
        │ 11:06:41 payments  payment-1001 PaymentAuthorized   1 amount=10.5 currency=EUR                                       │
        │ 11:06:42 orders    order-1001   ItemAdded           2 price=19.99 qty=2 sku=sku-1002                                 │
        │ 11:06:40 inventory sku-1001     StockReceived       1 qty=40                                                         │
        │ 11:06:40 payments  payment-1000 PaymentAuthorized   1 amount=10.5 currency=EUR                                       │
        │ 11:06:41 orders    order-1001   OrderPlaced         1 customer=acme items=[0] total=0.0                              │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
          actor      NAMESPACE/ID  open an actor
          actors     Actors view

        :actor_
        """#
    static let commandError = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
        ┌─ Namespaces (3) │ 13 events seen ────────────────────────────────────────────┐
        │NAMESPACE        RATE/s LAST 32s                            TOTAL      DROPS  │
        │inventory           1.0                            █ █ █        3          0  │
        │orders              1.0                            █████        5          0  │
        │payments            1.0                            █████        5        3 !  │
        └──────────────────────────────────────────────────────────────────────────────┘
        ┌─ Live tail │ LIVE │ filter: none ────────────────────────────────────────────┐
        │ TIME     NAMESPACE ACTOR        TYPE              VER DATA                   │
        │▶11:06:44 inventory sku-1001     StockReceived       5 qty=40                 │
        │ 11:06:44 payments  payment-1004 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:45 orders    order-1001   OrderShipped        5 carrier=dhl tracking=T…│
        │ 11:06:43 payments  payment-1003 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:44 orders    order-1001   OrderPaid           4 payment=payment-1007   │
        │ 11:06:42 inventory sku-1001     StockReceived       3 qty=40                 │
        │ 11:06:42 payments  payment-1002 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:43 orders    order-1001   ItemAdded           3 price=5.01 qty=1 sku=s…│
        │ 11:06:41 payments  payment-1001 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:42 orders    order-1001   ItemAdded           2 price=19.99 qty=2 sku=…│
        │ 11:06:40 inventory sku-1001     StockReceived       1 qty=40                 │
        │ 11:06:40 payments  payment-1000 PaymentAuthorized   1 amount=10.5 currency=E…│
         no namespace "nowhere" (known: inventory, orders, payments)

        :ns nowhere_
        """#
    static let commandErrorLarge = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                                      ★ alpha t42 │ 2/3 up ● embedded
        ┌─ Namespaces (3) │ 13 events seen ────────────────────────────────────────────────────────────────────────────────────┐
        │NAMESPACE           RATE/s LAST 69s                                                                 TOTAL      DROPS  │
        │inventory              1.0                                                                 █ █ █        3          0  │
        │orders                 1.0                                                                 █████        5          0  │
        │payments               1.0                                                                 █████        5        3 !  │
        └──────────────────────────────────────────────────────────────────────────────────────────────────────────────────────┘
        ┌─ Live tail │ LIVE │ filter: none ────────────────────────────────────────────────────────────────────────────────────┐
        │ TIME     NAMESPACE ACTOR        TYPE              VER DATA                                                           │
        │▶11:06:44 inventory sku-1001     StockReceived       5 qty=40                                                         │
        │ 11:06:44 payments  payment-1004 PaymentAuthorized   1 amount=10.5 currency=EUR                                       │
        │ 11:06:45 orders    order-1001   OrderShipped        5 carrier=dhl tracking=TRK123456                                 │
        │ 11:06:43 payments  payment-1003 PaymentAuthorized   1 amount=10.5 currency=EUR                                       │
        │ 11:06:44 orders    order-1001   OrderPaid           4 payment=payment-1007                                           │
        │ 11:06:42 inventory sku-1001     StockReceived       3 qty=40                                                         │
        │ 11:06:42 payments  payment-1002 PaymentAuthorized   1 amount=10.5 currency=EUR                                       │
        │ 11:06:43 orders    order-1001   ItemAdded           3 price=5.01 qty=1 sku=sku-1004                                  │
        │ 11:06:41 payments  payment-1001 PaymentAuthorized   1 amount=10.5 currency=EUR                                       │
        │ 11:06:42 orders    order-1001   ItemAdded           2 price=19.99 qty=2 sku=sku-1002                                 │
        │ 11:06:40 inventory sku-1001     StockReceived       1 qty=40                                                         │
        │ 11:06:40 payments  payment-1000 PaymentAuthorized   1 amount=10.5 currency=EUR                                       │
        │ 11:06:41 orders    order-1001   OrderPlaced         1 customer=acme items=[0] total=0.0                              │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
         no namespace "nowhere" (known: inventory, orders, payments)

        :ns nowhere_
        """#
    static let production = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
         PRODUCTION PROD EU — every write asks for its target's name
        ┌─ Namespaces (3) │ 13 events seen ────────────────────────────────────────────┐
        │NAMESPACE        RATE/s LAST 32s                            TOTAL      DROPS  │
        │inventory           1.0                            █ █ █        3          0  │
        │orders              1.0                            █████        5          0  │
        │payments            1.0                            █████        5        3 !  │
        └──────────────────────────────────────────────────────────────────────────────┘
        ┌─ Live tail │ LIVE │ filter: none ────────────────────────────────────────────┐
        │ TIME     NAMESPACE ACTOR        TYPE              VER DATA                   │
        │▶11:06:44 inventory sku-1001     StockReceived       5 qty=40                 │
        │ 11:06:44 payments  payment-1004 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:45 orders    order-1001   OrderShipped        5 carrier=dhl tracking=T…│
        │ 11:06:43 payments  payment-1003 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:44 orders    order-1001   OrderPaid           4 payment=payment-1007   │
        │ 11:06:42 inventory sku-1001     StockReceived       3 qty=40                 │
        │ 11:06:42 payments  payment-1002 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:43 orders    order-1001   ItemAdded           3 price=5.01 qty=1 sku=s…│
        │ 11:06:41 payments  payment-1001 PaymentAuthorized   1 amount=10.5 currency=E…│
        │ 11:06:42 orders    order-1001   ItemAdded           2 price=19.99 qty=2 sku=…│
        │ 11:06:40 inventory sku-1001     StockReceived       1 qty=40                 │
        │ 11:06:40 payments  payment-1000 PaymentAuthorized   1 amount=10.5 currency=E…│
        └──────────────────────────────────────────────────────────────────────────────┘
         q quit  ? help  / filter  space pause  ↵ inspect           PROD EU │ writes on
        """#
    static let productionLarge = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                                      ★ alpha t42 │ 2/3 up ● embedded
         PRODUCTION PROD EU — every write asks for its target's name
        ┌─ Namespaces (3) │ 13 events seen ────────────────────────────────────────────────────────────────────────────────────┐
        │NAMESPACE           RATE/s LAST 69s                                                                 TOTAL      DROPS  │
        │inventory              1.0                                                                 █ █ █        3          0  │
        │orders                 1.0                                                                 █████        5          0  │
        │payments               1.0                                                                 █████        5        3 !  │
        └──────────────────────────────────────────────────────────────────────────────────────────────────────────────────────┘
        ┌─ Live tail │ LIVE │ filter: none ────────────────────────────────────────────────────────────────────────────────────┐
        │ TIME     NAMESPACE ACTOR        TYPE              VER DATA                                                           │
        │▶11:06:44 inventory sku-1001     StockReceived       5 qty=40                                                         │
        │ 11:06:44 payments  payment-1004 PaymentAuthorized   1 amount=10.5 currency=EUR                                       │
        │ 11:06:45 orders    order-1001   OrderShipped        5 carrier=dhl tracking=TRK123456                                 │
        │ 11:06:43 payments  payment-1003 PaymentAuthorized   1 amount=10.5 currency=EUR                                       │
        │ 11:06:44 orders    order-1001   OrderPaid           4 payment=payment-1007                                           │
        │ 11:06:42 inventory sku-1001     StockReceived       3 qty=40                                                         │
        │ 11:06:42 payments  payment-1002 PaymentAuthorized   1 amount=10.5 currency=EUR                                       │
        │ 11:06:43 orders    order-1001   ItemAdded           3 price=5.01 qty=1 sku=sku-1004                                  │
        │ 11:06:41 payments  payment-1001 PaymentAuthorized   1 amount=10.5 currency=EUR                                       │
        │ 11:06:42 orders    order-1001   ItemAdded           2 price=19.99 qty=2 sku=sku-1002                                 │
        │ 11:06:40 inventory sku-1001     StockReceived       1 qty=40                                                         │
        │ 11:06:40 payments  payment-1000 PaymentAuthorized   1 amount=10.5 currency=EUR                                       │
        │ 11:06:41 orders    order-1001   OrderPlaced         1 customer=acme items=[0] total=0.0                              │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        │                                                                                                                      │
        └──────────────────────────────────────────────────────────────────────────────────────────────────────────────────────┘
         q quit  ? help  / filter  space pause  ↵ inspect  : command  e export  a append                    PROD EU │ writes on
        """#
    static let productionConfirm = #"""
         aether-top 1 Streams  2 Actors  3 Cluster  4 Bus  ★alpha t42 2/3 up ● embedded
         PRODUCTION PROD EU — every write asks for its target's name
        ┌─ Namespaces ─────┐┌─ Actors in inventory (1) │ bad records: opened only ─────┐
        │▶inventory        ││ ACTOR                                            VERSION │
        │ orders           ││▶sku-1001                                              v5 │
        │ payments         ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │┌─ PRODUCTION │ confirm by typing the name ──────────────────────────────────┐│
        ││ Snapshot inventory/sku-1001 at its latest version (now v5)?                ││
        ││                                                                            ││
        ││ type inventory/sku-1001 and press Enter:                                   ││
        ││ > inv_                                                                     ││
        ││                                                                            ││
        ││ y does not confirm here │ Esc cancels                                      ││
        │└────────────────────────────────────────────────────────────────────────────┘│
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        │                  ││                                                          │
        └──────────────────┘└──────────────────────────────────────────────────────────┘
         ↵ open  [ ] namespace  / filter  : command  a append       PROD EU │ writes on
        """#
    static let productionConfirmLarge = #"""
         aether-top  1 Streams  2 Actors  3 Cluster  4 Bus                                      ★ alpha t42 │ 2/3 up ● embedded
         PRODUCTION PROD EU — every write asks for its target's name
        ┌─ Namespaces ─────────┐┌─ Actors in inventory (1) │ bad records: opened only ─────────────────────────────────────────┐
        │▶inventory            ││ ACTOR                                                                                VERSION │
        │ orders               ││▶sku-1001                                                                                  v5 │
        │ payments             ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │              ┌─ PRODUCTION │ confirm by typing the name ──────────────────────────────────────────────┐              │
        │              │ Snapshot inventory/sku-1001 at its latest version (now v5)?                            │              │
        │              │                                                                                        │              │
        │              │ type inventory/sku-1001 and press Enter:                                               │              │
        │              │ > inv_                                                                                 │              │
        │              │                                                                                        │              │
        │              │ y does not confirm here │ Esc cancels                                                  │              │
        │              └────────────────────────────────────────────────────────────────────────────────────────┘              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        │                      ││                                                                                              │
        └──────────────────────┘└──────────────────────────────────────────────────────────────────────────────────────────────┘
         ↵ open  [ ] namespace  / filter  : command  a append  s snapshot                                   PROD EU │ writes on
        """#
}
