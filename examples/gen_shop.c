/*
** gen_shop.c — a deterministic generator of realistic shops as SQLite files.
**
** It writes the kind of database the `segment` extension is made for: a
** shop's own customers, orders and email events, three years of history,
** with the mess real order tables have (NULL totals, refund rows,
** cancellations, discounts). `make demo` builds examples/shop.db with it;
** the benchmark builds sizes S, M and L.
**
** USAGE
**
**   build/gen_shop [--size demo|S|M|L] [--customers N] [--orders N]
**                  [--seed N] [--no-events] [--index] OUT.db
**
**   --size       demo (default)  3,000 customers     30,000 orders
**                S                10,000            100,000
**                M               100,000          1,000,000
**                L             1,000,000         10,000,000
**   --customers  override the number of customers (exact; 1..100,000,000)
**   --orders     override the number of order rows (1..1,000,000,000; a
**                target: the result is within 2% of it, or gen_shop fails
**                and says so; refund rows count as order rows; at least
**                one order per customer). Without --size, giving only one
**                of --customers/--orders sets the other at 10 orders per
**                customer.
**   --seed       any unsigned 64-bit integer (default 1)
**   --no-events  leave out the email_events table
**   --index      CREATE INDEX orders_customer_id ON orders(customer_id)
**                (without it the only index is each table's rowid)
**
** OUT.db must not exist: gen_shop never overwrites a file. If anything
** fails it says what, removes the half-written file and exits 1. On
** success it prints one line to stderr:
**
**   gen_shop: shop.db: 3000 customers, 30052 orders, 28609 email events in 0.07 s
**
** Same arguments, same output, byte for byte: the generator has its own
** PRNG (xoshiro256** seeded through splitmix64), reads no clock or
** environment for the data, formats dates with its own code, and inserts
** in a fixed order. (The doubles come from the C library's log/exp/sqrt,
** so another libm could, in principle, move a last bit; on one machine the
** file is reproducible.)
**
**   $ build/gen_shop --size demo shop.db
**   $ sqlite3 shop.db "SELECT status, count(*), round(sum(total)) FROM orders GROUP BY 1"
**
** SCHEMA
**
**   CREATE TABLE customers(customer_id INTEGER PRIMARY KEY, name TEXT NOT NULL,
**     email TEXT, city TEXT, channel TEXT, birth_year INTEGER,
**     signed_up TEXT NOT NULL);                  -- 'YYYY-MM-DD'
**   CREATE TABLE orders(order_id INTEGER PRIMARY KEY,
**     customer_id INTEGER NOT NULL,
**     created_at TEXT NOT NULL,                  -- 'YYYY-MM-DD HH:MM:SS'
**     total REAL,                                -- NULL for some; < 0 for refunds
**     status TEXT NOT NULL,                      -- 'paid', 'refunded', 'cancelled'
**     discount REAL NOT NULL DEFAULT 0);         -- discount amount applied
**   CREATE TABLE email_events(customer_id INTEGER NOT NULL,
**     at TEXT NOT NULL,                          -- 'YYYY-MM-DD HH:MM:SS'
**     kind TEXT NOT NULL);                       -- subscribe, open, click, unsubscribe
**
** Customer ids follow the sign-up date (customer 1 signed up first). Order
** ids follow created_at (order 1 is the oldest; ties broken by customer
** id), so the customers of one day are interleaved. Email events are in
** time order too. Every timestamp lies in 2022-01-01 .. 2024-12-31; the
** examples use as_of = '2025-01-01'.
**
** THE SHOP (every number below is a constant in this file)
**
** Sign-ups: spread over the three years, each year busier than the one
**   before (day weights 1.0, 1.2, 1.45 for 2022, 2023, 2024: about 27%,
**   33%, 40% of customers), a third more per day from mid-November to
**   Christmas. The time of day follows the hourly curve (see Time of day).
** Attributes: name 'Customer <id>'; email 'c<id>@example.com', NULL for 3%;
**   city from 11 with skewed weights (Moscow 22%, London 16%, Berlin 12%,
**   Paris 10%, Madrid 8%, Amsterdam 7%, Rome 7%, Warsaw 6%, Prague 5%,
**   Vienna 4%, Lisbon 3%), NULL for 2%; channel organic 35%, ads 25%,
**   social 15%, referral 15%, email 10%; birth_year ~ Normal(1984, 11)
**   clipped to 1950..2005, NULL for 8%.
** Kinds of customer:
**   - never buys: 3% (plus those whose first order would fall after
**     2024-12-31, so about 5% of customers have no order);
**   - one-time buyer: one order, then nothing. The chance depends on the
**     channel: ads 50%, social 45%, organic 38%, email 30%, referral 28%;
**   - repeat buyer: everyone else. Some of them, by churning early, also
**     end with a single order: in all about 45% of buyers buy once.
** First order: after sign-up by a delay that is minutes (55%), weeks (30%,
**   exponential, mean 20 days) or months (15%, mean 200 days): activity
**   starts at different dates.
** Repeat buyers order as a Poisson process from the first order with
**   - a base rate: 13.5 orders a year x Gamma(shape 1.3)/1.3
**     (heterogeneity: most buy now and then, a few often), times one
**     factor that the generator tunes until the order count hits the
**     target (it is about 1 at 10 orders per customer);
**   - a trend: the rate is multiplied by exp(b * years since first order),
**     b ~ Normal(0, 0.5), clipped to 0.1..5 x: some customers rise, some
**     fade;
**   - a churn point: first order + Exponential(mean 0.9 years), or mean 6
**     years for the 35% who are loyal; no orders after it. So the history
**     ends with active, lapsing and lost customers, and membership as of
**     two dates differs;
**   - heavy spenders: 4% of repeat buyers (about 2% of customers) have 4x
**     the rate, a 2.2x basket and are always loyal (in the demo the top 1%
**     of customers bring about 30% of the revenue);
**   - a seasonal/weekly day weight (thinning): x1.5 from Nov 20 to Dec 20,
**     x0.8 on Jan 1-10, x1.15 on Saturdays and Sundays.
** Time of day: hourly weights, a trough at 3-4 am and a peak at 8 pm.
** Basket: log-normal. Per customer mu = ln(35) + Normal(0, 0.35); per
**   order exp(mu + Normal(0, 0.65)), rounded to cents, at least 0.99:
**   median about 39 (heavy spenders included), 99th percentile about 270.
** Discounts: 11.5% of an ordinary customer's orders, 75% of a discount
**   hunter's (6% of customers): about 15% of all orders. 5, 10, 15, 20, 25
**   or 30 percent off (weights 3, 4, 2, 3, 1, 1); `discount` holds the
**   amount in money, `total` what was paid.
** Status: 1% of orders 'cancelled' (total kept as it was), 1% 'paid' with a
**   NULL total (the amount never recorded), the rest 'paid'.
** Refunds: 2.7% of paid orders with a total are refunded: a separate row,
**   status 'refunded', the same customer, 1 day + Exponential(mean 3 days)
**   later, total = minus the paid total (25% are partial: 20..80% of it),
**   discount 0. A refund that would fall after 2024-12-31 is not written.
**   About 2.5% of order rows are refunds.
** Email events (unless --no-events), for customers with an email:
**   - 'subscribe': 78% at sign-up, 8% more at their first order;
**   - 'open': a campaign goes out every Tuesday at 10:00 (plus a Black
**     Friday mail); a subscriber opens it with probability
**     0.2 x engagement x activity, hours later. Engagement ~
**     Gamma(1.5)/1.5, mean 1 (x1.5 for the email channel). Activity is 0.8 before the first
**     order, 1 while buying (rising/fading with the trend), decaying
**     (90 days) after churn or (120 days) after a one-time purchase, and
**     decaying (60 days) a month after sign-up for those who never buy:
**     the recency of opens tracks the recency of orders;
**   - 'click': 35% of opens by active customers, 15% of the others,
**     minutes after the open;
**   - 'unsubscribe': 35% of churned repeat buyers (about 2 months after
**     churn), 20% of one-time buyers, 25% of those who never buy, 5% of
**     the rest; no opens after it.
**
** HOW IT WORKS
**
** Sign-up days come from one stream per seed (drawn, then sorted, so ids
** follow sign-up order). Everything else about a customer comes from its
** own streams, seeded by (seed, customer id, stream): attributes, orders,
** email events. So --no-events and --index leave the other tables as
** they are, and one customer's draws never shift another's.
**
** Orders are generated once per customer to count them per day. The first
** orders do not depend on the rate factor and the rest are proportional to
** it, so each counting pass solves for the factor; two or three passes get
** within 0.2% of the target. Then they are generated again into one array
** laid out by day (a counting sort), and each day is sorted by (time,
** customer). Email events go the same way. The rows go into SQLite in one
** transaction through prepared statements, with journal_mode=OFF and
** synchronous=OFF; the index, if asked for, is built after the commit.
** Memory: 16 bytes per order, 12 per email event (about 165 MB for L).
** Time for L: about 25-35 s on a 2-core machine (about 15 s with
** --no-events).
*/
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

/* ---------------------------------------------------------------------
** Calendar: 2022-01-01 .. 2024-12-31, times in seconds from 2022-01-01.
*/
#define N_DAYS     1096                      /* 365 + 365 + 366 */
#define DAY        86400.0
#define END_T      (N_DAYS * DAY)            /* 2025-01-01 00:00:00 */
#define YEAR       (365.25 * DAY)

static char   g_date[N_DAYS][11];            /* 'YYYY-MM-DD' */
static double g_order_w[N_DAYS];             /* season x weekday weight */
static double g_signup_cdf[N_DAYS];          /* cumulative sign-up weight */
static int    g_campaign[N_DAYS];            /* days with a campaign mail */
static int    g_n_campaign;

#define ORDER_WMAX (1.5 * 1.15)              /* max of g_order_w */

/* Hourly weights of activity (orders and sign-ups), hour 0..23. */
static const double HOUR_W[24] = {
  1.5, 0.8, 0.5, 0.3, 0.3, 0.5, 1.2, 2.2, 3.0, 3.8, 4.5, 5.0,
  5.5, 5.3, 5.0, 4.8, 4.8, 5.0, 5.8, 6.5, 7.0, 6.5, 4.5, 2.8
};

static const char *const CITY[] = {
  "Moscow", "London", "Berlin", "Paris", "Madrid", "Amsterdam", "Rome",
  "Warsaw", "Prague", "Vienna", "Lisbon"
};
static const double CITY_W[] = {
  22, 16, 12, 10, 8, 7, 7, 6, 5, 4, 3
};
#define N_CITY ((int)(sizeof(CITY) / sizeof(CITY[0])))

static const char *const CHANNEL[] = {
  "organic", "ads", "social", "referral", "email"
};
static const double CHANNEL_W[] = { 35, 25, 15, 15, 10 };
static const double CHANNEL_ONCE[] = { 0.38, 0.50, 0.45, 0.28, 0.30 };
#define N_CHANNEL ((int)(sizeof(CHANNEL) / sizeof(CHANNEL[0])))
#define CH_EMAIL 4

static const int    DISC_PCT[] = { 5, 10, 15, 20, 25, 30 };
static const double DISC_W[]   = { 3, 4, 2, 3, 1, 1 };
#define N_DISC ((int)(sizeof(DISC_PCT) / sizeof(DISC_PCT[0])))

/* Behaviour constants (see the header for what they mean). */
#define P_NEVER        0.03
#define P_HEAVY        0.04      /* of repeat buyers */
#define P_HUNTER       0.06
#define P_LOYAL        0.35
#define LIFE_LOYAL     6.0       /* years, mean */
#define LIFE_OTHER     0.9
#define BASE_RATE      13.5      /* orders a year, mean, before tuning */
#define RATE_SHAPE     1.3
#define TREND_SD       0.5
#define HEAVY_RATE     4.0
#define HEAVY_BASKET   2.2
#define BASKET_MEDIAN  35.0
#define BASKET_SD_CUST 0.35
#define BASKET_SD_ORD  0.65
#define P_DISC         0.115
#define P_DISC_HUNTER  0.75
#define P_CANCELLED    0.01
#define P_NULL_TOTAL   0.01
#define P_REFUND       0.027
#define P_PARTIAL      0.25
#define P_NO_EMAIL     0.03
#define P_NO_CITY      0.02
#define P_NO_BIRTH     0.08
#define P_SUB_SIGNUP   0.78
#define P_SUB_ORDER    0.08
#define OPEN_BASE      0.20

static void calendar_init(void){
  static const int mdays[12] = {31,28,31,30,31,30,31,31,30,31,30,31};
  int y = 2022, m = 1, d = 1, i;
  double acc = 0.0;
  g_n_campaign = 0;
  for(i=0; i<N_DAYS; i++){
    int dow = (i + 5) % 7;                   /* 0 = Monday; 2022-01-01 = Sat */
    int leap = (y % 4 == 0);                 /* enough for 2022..2024 */
    int ml = mdays[m-1] + (m == 2 && leap);
    double w = 1.0, ws;
    g_date[i][0] = (char)('0' + y/1000);
    g_date[i][1] = (char)('0' + y/100%10);
    g_date[i][2] = (char)('0' + y/10%10);
    g_date[i][3] = (char)('0' + y%10);
    g_date[i][4] = '-';
    g_date[i][5] = (char)('0' + m/10);
    g_date[i][6] = (char)('0' + m%10);
    g_date[i][7] = '-';
    g_date[i][8] = (char)('0' + d/10);
    g_date[i][9] = (char)('0' + d%10);
    g_date[i][10] = 0;

    if( (m == 11 && d >= 20) || (m == 12 && d <= 20) ) w *= 1.5;
    if( m == 1 && d <= 10 ) w *= 0.8;
    if( dow >= 5 ) w *= 1.15;
    g_order_w[i] = w;

    ws = (y == 2022) ? 1.0 : (y == 2023) ? 1.2 : 1.45;
    if( (m == 11 && d >= 15) || (m == 12 && d <= 25) ) ws *= 1.33;
    acc += ws;
    g_signup_cdf[i] = acc;

    /* Campaigns: every Tuesday, and Black Friday (4th Friday of November) */
    if( dow == 1 || (dow == 4 && m == 11 && d >= 22 && d <= 28) ){
      g_campaign[g_n_campaign++] = i;
    }

    if( ++d > ml ){ d = 1; if( ++m > 12 ){ m = 1; y++; } }
  }
}

/* Write 'YYYY-MM-DD HH:MM:SS' for t (seconds from 2022-01-01) into z[20]. */
static void format_time(char *z, uint32_t t){
  uint32_t day = t / 86400u, s = t % 86400u;
  uint32_t hh = s / 3600u, mm = s / 60u % 60u, ss = s % 60u;
  memcpy(z, g_date[day], 10);
  z[10] = ' ';
  z[11] = (char)('0' + hh/10); z[12] = (char)('0' + hh%10); z[13] = ':';
  z[14] = (char)('0' + mm/10); z[15] = (char)('0' + mm%10); z[16] = ':';
  z[17] = (char)('0' + ss/10); z[18] = (char)('0' + ss%10); z[19] = 0;
}

/* ---------------------------------------------------------------------
** PRNG: xoshiro256** (Blackman & Vigna), state filled by splitmix64.
*/
typedef struct rng_t { uint64_t s[4]; } rng_t;

static uint64_t splitmix64(uint64_t *x){
  uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* One independent stream per (seed, customer id, stream number). */
static void rng_seed(rng_t *r, uint64_t seed, uint64_t id, uint64_t stream){
  uint64_t x = seed, h;
  h = splitmix64(&x);
  x = h + id * 0xD1B54A32D192ED03ULL + stream * 0x8CB92BA72F3D8DD7ULL;
  r->s[0] = splitmix64(&x);
  r->s[1] = splitmix64(&x);
  r->s[2] = splitmix64(&x);
  r->s[3] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k){ return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng_t *r){
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

/* Uniform in the open interval (0, 1). */
static double rng_unif(rng_t *r){
  return ((double)(rng_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* Exponential with mean 1. */
static double rng_exp(rng_t *r){ return -log(rng_unif(r)); }

/* Standard normal, Marsaglia's polar method (one value per call). */
static double rng_normal(rng_t *r){
  double u, v, s;
  do{
    u = 2.0*rng_unif(r) - 1.0;
    v = 2.0*rng_unif(r) - 1.0;
    s = u*u + v*v;
  }while( s >= 1.0 || s == 0.0 );
  return u * sqrt(-2.0*log(s)/s);
}

/* Gamma(shape k >= 1, scale 1), Marsaglia & Tsang. Mean k. */
static double rng_gamma(rng_t *r, double k){
  double d = k - 1.0/3.0, c = 1.0/sqrt(9.0*d);
  for(;;){
    double x, v, u;
    do{ x = rng_normal(r); v = 1.0 + c*x; }while( v <= 0.0 );
    v = v*v*v;
    u = rng_unif(r);
    if( u < 1.0 - 0.0331*x*x*x*x ) return d*v;
    if( log(u) < 0.5*x*x + d*(1.0 - v + log(v)) ) return d*v;
  }
}

/* Cumulative distributions of the weight tables, filled by cdf_init(). */
static double g_hour_cdf[24], g_city_cdf[N_CITY], g_channel_cdf[N_CHANNEL];
static double g_disc_cdf[N_DISC];

static void cdf_make(const double *w, int n, double *cdf){
  double tot = 0.0, acc = 0.0;
  int i;
  for(i=0; i<n; i++) tot += w[i];
  for(i=0; i<n; i++){ acc += w[i]; cdf[i] = acc / tot; }
  cdf[n-1] = 1.0;
}

static void cdf_init(void){
  cdf_make(HOUR_W, 24, g_hour_cdf);
  cdf_make(CITY_W, N_CITY, g_city_cdf);
  cdf_make(CHANNEL_W, N_CHANNEL, g_channel_cdf);
  cdf_make(DISC_W, N_DISC, g_disc_cdf);
}

/* Index drawn from a cumulative distribution cdf[0..n-1]. */
static int rng_pick(rng_t *r, const double *cdf, int n){
  double u = rng_unif(r);
  int i;
  for(i=0; i<n-1; i++){
    if( u < cdf[i] ) return i;
  }
  return n-1;
}

/* Seconds into a day, following the hourly curve. */
static double rng_time_of_day(rng_t *r){
  int h = rng_pick(r, g_hour_cdf, 24);
  return h*3600.0 + floor(rng_unif(r)*3600.0);
}

/* ---------------------------------------------------------------------
** Customers.
*/
enum { KIND_NEVER, KIND_ONCE, KIND_REPEAT };

typedef struct cust_t {
  uint32_t id;
  int kind;
  int heavy, hunter;
  int channel, city, birth_year, has_email;   /* city -1, birth_year 0: NULL */
  double signup_t;         /* seconds from 2022-01-01 */
  double first_t;          /* first order (may be >= END_T: none in window) */
  double rate;             /* orders a year, before the tuning factor */
  double trend;            /* log rate change a year */
  double churn_t;          /* no orders from here on (repeat buyers) */
  double basket_mu;        /* log of the customer's median basket */
  double disc_p;           /* chance that an order has a discount */
  double engagement;       /* email engagement, mean about 1 */
} cust_t;

typedef struct gen_t {
  uint64_t seed;
  uint32_t n_cust;
  uint16_t *signup_day;    /* [n_cust], by customer_id - 1 */
} gen_t;

/* Sign-up days: n draws from the sign-up weights, sorted, so that ids
** follow sign-up order. Returns 0 on success. */
static int signups_make(gen_t *g){
  uint32_t cnt[N_DAYS];
  uint32_t i, k;
  int d;
  rng_t r;
  memset(cnt, 0, sizeof(cnt));
  g->signup_day = malloc((size_t)g->n_cust * sizeof(uint16_t));
  if( g->signup_day == 0 ) return 1;
  rng_seed(&r, g->seed, 0, 0);
  for(i=0; i<g->n_cust; i++){
    double u = rng_unif(&r) * g_signup_cdf[N_DAYS-1];
    int lo = 0, hi = N_DAYS-1;
    while( lo < hi ){                /* first day with cdf > u */
      int mid = (lo + hi) / 2;
      if( g_signup_cdf[mid] > u ) hi = mid; else lo = mid + 1;
    }
    cnt[lo]++;
  }
  for(d=0, k=0; d<N_DAYS; d++){
    for(i=0; i<cnt[d]; i++) g->signup_day[k++] = (uint16_t)d;
  }
  return 0;
}

/* Everything about customer id that does not depend on the rate factor.
** Every draw is made whatever the branch, so one choice never shifts the
** others. */
static void cust_make(const gen_t *g, uint32_t id, cust_t *c){
  rng_t r;
  double u_kind, u_once, u_delay, e_delay, u_heavy, u_hunter, u_loyal;
  double e_life, n_basket, n_birth, u_birth, gam;
  rng_seed(&r, g->seed, id, 1);
  c->id = id;
  c->signup_t = g->signup_day[id-1]*DAY + rng_time_of_day(&r);
  c->channel = rng_pick(&r, g_channel_cdf, N_CHANNEL);
  c->city = rng_pick(&r, g_city_cdf, N_CITY);
  if( rng_unif(&r) < P_NO_CITY ) c->city = -1;
  n_birth = rng_normal(&r);
  u_birth = rng_unif(&r);
  c->birth_year = (int)floor(1984.5 + 11.0*n_birth);
  if( c->birth_year < 1950 ) c->birth_year = 1950;
  if( c->birth_year > 2005 ) c->birth_year = 2005;
  if( u_birth < P_NO_BIRTH ) c->birth_year = 0;
  c->has_email = rng_unif(&r) >= P_NO_EMAIL;

  u_kind = rng_unif(&r);
  u_once = rng_unif(&r);
  u_delay = rng_unif(&r);
  e_delay = rng_exp(&r);
  u_heavy = rng_unif(&r);
  u_hunter = rng_unif(&r);
  u_loyal = rng_unif(&r);
  e_life = rng_exp(&r);
  n_basket = rng_normal(&r);
  gam = rng_gamma(&r, RATE_SHAPE) / RATE_SHAPE;
  c->trend = TREND_SD * rng_normal(&r);
  c->engagement = rng_gamma(&r, 1.5) / 1.5;

  if( u_kind < P_NEVER ) c->kind = KIND_NEVER;
  else if( u_once < CHANNEL_ONCE[c->channel] ) c->kind = KIND_ONCE;
  else c->kind = KIND_REPEAT;

  if( u_delay < 0.55 )      c->first_t = 60.0 + e_delay * 1800.0;
  else if( u_delay < 0.85 ) c->first_t = e_delay * 20.0 * DAY;
  else                      c->first_t = e_delay * 200.0 * DAY;
  c->first_t += c->signup_t + 60.0;

  c->heavy = (c->kind == KIND_REPEAT && u_heavy < P_HEAVY);
  c->hunter = (u_hunter < P_HUNTER);
  c->rate = BASE_RATE * gam * (c->heavy ? HEAVY_RATE : 1.0);
  c->churn_t = c->first_t + e_life * YEAR *
      ((c->heavy || u_loyal < P_LOYAL) ? LIFE_LOYAL : LIFE_OTHER);
  c->basket_mu = log(BASKET_MEDIAN) + BASKET_SD_CUST*n_basket
               + (c->heavy ? log(HEAVY_BASKET) : 0.0);
  c->disc_p = c->hunter ? P_DISC_HUNTER : P_DISC;
  if( c->channel == CH_EMAIL ) c->engagement *= 1.5;
}

/* ---------------------------------------------------------------------
** Sinks: the generators emit rows into a sink that either counts them per
** day or stores them at their day's next free slot.
*/
enum { ST_PAID, ST_PAID_NULL, ST_CANCELLED, ST_REFUNDED };
enum { EV_SUBSCRIBE, EV_OPEN, EV_CLICK, EV_UNSUBSCRIBE };

typedef struct order_rec {
  uint32_t t;              /* seconds from 2022-01-01 */
  uint32_t cust;
  int32_t cents;           /* total in cents (negative for refunds) */
  uint32_t disc_status;    /* discount cents << 2 | status */
} order_rec;

typedef struct event_rec {
  uint32_t t;
  uint32_t cust;
  uint32_t kind;
} event_rec;

typedef struct sink_t {
  int fill;                /* 0: count per day, 1: store */
  uint64_t n;              /* rows emitted */
  uint64_t n_fixed;        /* of which first orders and their refunds */
  uint64_t day_n[N_DAYS];  /* count mode: rows per day */
  uint64_t next[N_DAYS];   /* fill mode: next slot of each day */
  order_rec *orders;
  event_rec *events;
} sink_t;

static void sink_order(sink_t *s, double t, uint32_t cust, int32_t cents,
                       uint32_t disc, int status){
  uint32_t ti = (uint32_t)t;
  uint32_t day = ti / 86400u;
  s->n++;
  if( !s->fill ){
    s->day_n[day]++;
  }else{
    order_rec *o = &s->orders[s->next[day]++];
    o->t = ti;
    o->cust = cust;
    o->cents = cents;
    o->disc_status = (disc << 2) | (uint32_t)status;
  }
}

static void sink_event(sink_t *s, double t, uint32_t cust, int kind){
  uint32_t ti = (uint32_t)t;
  uint32_t day = ti / 86400u;
  s->n++;
  if( !s->fill ){
    s->day_n[day]++;
  }else{
    event_rec *e = &s->events[s->next[day]++];
    e->t = ti;
    e->cust = cust;
    e->kind = (uint32_t)kind;
  }
}

/* Turn per-day counts into start offsets; returns the total. */
static uint64_t sink_layout(sink_t *s){
  uint64_t off = 0;
  int d;
  for(d=0; d<N_DAYS; d++){ s->next[d] = off; off += s->day_n[d]; }
  return off;
}

/* ---------------------------------------------------------------------
** Orders.
*/

/* One order at time t, and perhaps its refund some days later. */
static void order_emit(rng_t *r, const cust_t *c, double t, sink_t *s){
  double x = exp(c->basket_mu + BASKET_SD_ORD*rng_normal(r));
  double u_disc = rng_unif(r), u_status = rng_unif(r), u_refund = rng_unif(r);
  double u_partial = rng_unif(r), u_share = rng_unif(r), e_later = rng_exp(r);
  int pct_i = rng_pick(r, g_disc_cdf, N_DISC);
  double tod = rng_time_of_day(r);
  int64_t gross = (int64_t)floor(x*100.0 + 0.5), disc = 0, net;
  int status;
  if( gross < 99 ) gross = 99;
  if( gross > 100000000 ) gross = 100000000;
  if( u_disc < c->disc_p ){
    disc = (gross * DISC_PCT[pct_i] + 50) / 100;
  }
  net = gross - disc;
  if( u_status < P_CANCELLED ) status = ST_CANCELLED;
  else if( u_status < P_CANCELLED + P_NULL_TOTAL ) status = ST_PAID_NULL;
  else status = ST_PAID;
  sink_order(s, t, c->id, (int32_t)net, (uint32_t)disc, status);

  if( status == ST_PAID && u_refund < P_REFUND ){
    double day = floor(t/DAY) + floor(1.0 + 3.0*e_later);
    double rt = day*DAY + tod;
    if( rt < END_T ){
      int64_t back = net;
      if( u_partial < P_PARTIAL ){
        back = (int64_t)floor(net * (0.2 + 0.6*u_share) + 0.5);
      }
      sink_order(s, rt, c->id, (int32_t)-back, 0, ST_REFUNDED);
    }
  }
}

/* All orders of customer c with the rate factor alpha. */
static void orders_gen(const gen_t *g, const cust_t *c, double alpha,
                       sink_t *s){
  rng_t r;
  double t, stop, lam, first_day;
  uint64_t n0 = s->n;
  rng_seed(&r, g->seed, c->id, 2);
  if( c->kind == KIND_NEVER || c->first_t >= END_T ) return;
  order_emit(&r, c, c->first_t, s);
  s->n_fixed += s->n - n0;
  if( c->kind != KIND_REPEAT ) return;

  lam = c->rate * alpha * ORDER_WMAX / YEAR;   /* candidates a second */
  if( lam <= 0.0 ) return;
  first_day = floor(c->first_t / DAY);
  stop = c->churn_t < END_T ? c->churn_t : END_T;
  t = c->first_t;
  for(;;){
    double m = exp(c->trend * (t - c->first_t) / YEAR);
    double day, ot;
    if( m < 0.1 ) m = 0.1;
    if( m > 5.0 ) m = 5.0;
    t += rng_exp(&r) / (lam * m);
    if( t >= stop ) break;
    day = floor(t / DAY);
    if( rng_unif(&r) * ORDER_WMAX >= g_order_w[(int)day] ) continue;
    ot = t;                          /* same day as the first: keep order */
    if( day != first_day ) ot = day*DAY + rng_time_of_day(&r);
    order_emit(&r, c, ot, s);
  }
}

/* Count all orders per day with rate factor alpha. */
static void orders_count(const gen_t *g, double alpha, sink_t *s){
  uint32_t id;
  cust_t c;
  memset(s, 0, sizeof(*s));
  for(id=1; id<=g->n_cust; id++){
    cust_make(g, id, &c);
    orders_gen(g, &c, alpha, s);
  }
}

/* Find the rate factor whose order count is closest to target. The first
** orders (and their refunds) do not depend on it; the expected number of
** the others is proportional to it (a Poisson process with a scaled
** intensity). So each counting pass solves fixed + alpha*rest = target,
** which lands within a fraction of a percent in two or three passes. The
** best pass's per-day counts are left in *best. Returns the factor. */
static double orders_tune(const gen_t *g, uint64_t target, sink_t *pass,
                          sink_t *best){
  double a = 1.0, best_a = 1.0, best_err = -1.0;
  int it;
  for(it=0; it<12; it++){
    double n, fixed, err;
    orders_count(g, a, pass);
    n = (double)pass->n;
    fixed = (double)pass->n_fixed;
    err = fabs(n - (double)target) / (double)target;
    if( best_err < 0.0 || err < best_err ){
      best_err = err; best_a = a;
      memcpy(best, pass, sizeof(*best));
    }
    if( err <= 0.002 || n <= fixed || (double)target <= fixed ) break;
    a *= ((double)target - fixed) / (n - fixed);
  }
  return best_a;
}

static int cmp_order(const void *pa, const void *pb){
  const order_rec *a = pa, *b = pb;
  if( a->t != b->t ) return a->t < b->t ? -1 : 1;
  if( a->cust != b->cust ) return a->cust < b->cust ? -1 : 1;
  if( a->cents != b->cents ) return a->cents < b->cents ? -1 : 1;
  if( a->disc_status != b->disc_status ){
    return a->disc_status < b->disc_status ? -1 : 1;
  }
  return 0;
}

static int cmp_event(const void *pa, const void *pb){
  const event_rec *a = pa, *b = pb;
  if( a->t != b->t ) return a->t < b->t ? -1 : 1;
  if( a->cust != b->cust ) return a->cust < b->cust ? -1 : 1;
  if( a->kind != b->kind ) return a->kind < b->kind ? -1 : 1;
  return 0;
}

/* ---------------------------------------------------------------------
** Email events.
*/

/* How much customer c is engaged with the shop at time t (0..1.5). */
static double activity(const cust_t *c, double t){
  double a;
  if( c->kind == KIND_NEVER || c->first_t >= END_T ){
    double since = t - c->signup_t - 30.0*DAY;
    a = since <= 0.0 ? 1.0 : exp(-since / (60.0*DAY));
  }else if( t < c->first_t ){
    a = 0.8;
  }else if( c->kind == KIND_ONCE ){
    a = exp(-(t - c->first_t) / (120.0*DAY));
  }else if( t < c->churn_t ){
    a = exp(c->trend * (t - c->first_t) / YEAR);
    if( a < 0.5 ) a = 0.5;
    if( a > 1.5 ) a = 1.5;
  }else{
    a = exp(-(t - c->churn_t) / (90.0*DAY));
  }
  return a < 0.08 ? 0.08 : a;
}

static void events_gen(const gen_t *g, const cust_t *c, sink_t *s){
  rng_t r;
  double u_sub, u_unsub, e_unsub, u_when, sub_t, unsub_t, base;
  int buyer = (c->kind != KIND_NEVER && c->first_t < END_T);
  int i;
  rng_seed(&r, g->seed, c->id, 3);
  if( !c->has_email ) return;
  u_sub = rng_unif(&r);
  u_unsub = rng_unif(&r);
  e_unsub = rng_exp(&r);
  u_when = rng_unif(&r);
  if( u_sub < P_SUB_SIGNUP ){
    sub_t = c->signup_t + 5.0 + floor(120.0*u_when);
  }else if( u_sub < P_SUB_SIGNUP + P_SUB_ORDER && buyer ){
    sub_t = c->first_t + 30.0 + floor(600.0*u_when);
  }else{
    return;
  }
  if( sub_t >= END_T ) return;
  sink_event(s, sub_t, c->id, EV_SUBSCRIBE);

  unsub_t = 2.0*END_T;
  if( !buyer ){
    if( u_unsub < 0.25 ) unsub_t = sub_t + e_unsub * 45.0*DAY;
  }else if( c->kind == KIND_ONCE ){
    if( u_unsub < 0.20 ) unsub_t = c->first_t + e_unsub * 90.0*DAY;
  }else if( c->churn_t < END_T ){
    if( u_unsub < 0.35 ) unsub_t = c->churn_t + e_unsub * 60.0*DAY;
  }else{
    if( u_unsub < 0.05 ) unsub_t = sub_t + u_when * (END_T - sub_t);
  }
  if( unsub_t < sub_t + 3600.0 ) unsub_t = sub_t + 3600.0;

  base = OPEN_BASE * c->engagement;
  for(i=0; i<g_n_campaign; i++){
    double send = g_campaign[i]*DAY + 10.0*3600.0;
    double a, u, open_t, e_open, u_click, e_click;
    if( send <= sub_t ) continue;
    if( send >= unsub_t || send >= END_T ) break;
    u = rng_unif(&r);
    if( u >= 0.95 || u >= base * 1.5 ) continue;   /* activity <= 1.5 */
    a = activity(c, send);
    if( u >= base * a ) continue;
    e_open = rng_exp(&r);
    u_click = rng_unif(&r);
    e_click = rng_exp(&r);
    open_t = send + 60.0 + floor(e_open * 6.0*3600.0);
    if( open_t >= END_T || open_t >= unsub_t ) continue;
    sink_event(s, open_t, c->id, EV_OPEN);
    if( u_click < (a > 0.5 ? 0.35 : 0.15) ){
      double click_t = open_t + 5.0 + floor(e_click * 180.0);
      if( click_t < END_T && click_t < unsub_t ){
        sink_event(s, click_t, c->id, EV_CLICK);
      }
    }
  }
  if( unsub_t < END_T ) sink_event(s, unsub_t, c->id, EV_UNSUBSCRIBE);
}

/* ---------------------------------------------------------------------
** SQLite.
*/
static const char SCHEMA[] =
  "CREATE TABLE customers(customer_id INTEGER PRIMARY KEY,"
  " name TEXT NOT NULL, email TEXT, city TEXT,\n"
  "  channel TEXT, birth_year INTEGER,"
  " signed_up TEXT NOT NULL  -- 'YYYY-MM-DD'\n);\n"
  "CREATE TABLE orders(order_id INTEGER PRIMARY KEY,"
  " customer_id INTEGER NOT NULL,\n"
  "  created_at TEXT NOT NULL,   -- 'YYYY-MM-DD HH:MM:SS'\n"
  "  total REAL,                 -- NULL for some orders; negative for refunds\n"
  "  status TEXT NOT NULL,       -- 'paid', 'refunded' (the refund rows)"
  " or 'cancelled'\n"
  "  discount REAL NOT NULL DEFAULT 0  -- discount amount applied,"
  " 0 for most orders\n);\n";

static const char SCHEMA_EVENTS[] =
  "CREATE TABLE email_events(customer_id INTEGER NOT NULL,"
  " at TEXT NOT NULL, kind TEXT NOT NULL\n"
  "  -- kind in 'subscribe','open','click','unsubscribe'\n);\n";

static const char *const STATUS[] = { "paid", "paid", "cancelled", "refunded" };
static const char *const EVENT[] = { "subscribe", "open", "click", "unsubscribe" };

typedef struct shop_t {
  const char *zOut;
  sqlite3 *db;
  sqlite3_stmt *pStmt;
  const char *zWhat;       /* what was being done, for error messages */
} shop_t;

/* Report the failure of p->zWhat with SQLite's message. */
static void shop_error(shop_t *p, int rc){
  const char *zMsg = p->db ? sqlite3_errmsg(p->db) : sqlite3_errstr(rc);
  if( rc != SQLITE_OK && p->db && sqlite3_errcode(p->db) == SQLITE_OK ){
    zMsg = sqlite3_errstr(rc);
  }
  fprintf(stderr, "gen_shop: %s: %s (%s)\n", p->zOut, p->zWhat, zMsg);
}

#define TRY(p, call) do{ int rc_ = (call); \
  if( rc_ != SQLITE_OK ){ shop_error(p, rc_); return 1; } }while(0)

static int shop_exec(shop_t *p, const char *zSql, const char *zWhat){
  p->zWhat = zWhat;
  TRY(p, sqlite3_exec(p->db, zSql, 0, 0, 0));
  return 0;
}

static int shop_prepare(shop_t *p, const char *zSql, const char *zWhat){
  p->zWhat = zWhat;
  TRY(p, sqlite3_prepare_v2(p->db, zSql, -1, &p->pStmt, 0));
  return 0;
}

/* Step the bound statement once, expecting SQLITE_DONE, and reset it. */
static int shop_step(shop_t *p){
  int rc = sqlite3_step(p->pStmt);
  if( rc != SQLITE_DONE ){ shop_error(p, rc); return 1; }
  TRY(p, sqlite3_reset(p->pStmt));
  return 0;
}

static int shop_finalize(shop_t *p){
  int rc = sqlite3_finalize(p->pStmt);
  p->pStmt = 0;
  if( rc != SQLITE_OK ){ shop_error(p, rc); return 1; }
  return 0;
}

static int insert_customers(shop_t *p, const gen_t *g){
  char zName[32], zEmail[48];
  uint32_t id;
  cust_t c;
  if( shop_prepare(p, "INSERT INTO customers VALUES(?,?,?,?,?,?,?)",
                   "prepare INSERT INTO customers") ) return 1;
  p->zWhat = "insert into customers";
  for(id=1; id<=g->n_cust; id++){
    cust_make(g, id, &c);
    snprintf(zName, sizeof(zName), "Customer %lu", (unsigned long)id);
    snprintf(zEmail, sizeof(zEmail), "c%lu@example.com", (unsigned long)id);
    TRY(p, sqlite3_bind_int64(p->pStmt, 1, (sqlite3_int64)id));
    TRY(p, sqlite3_bind_text(p->pStmt, 2, zName, -1, SQLITE_STATIC));
    if( c.has_email ){
      TRY(p, sqlite3_bind_text(p->pStmt, 3, zEmail, -1, SQLITE_STATIC));
    }else{
      TRY(p, sqlite3_bind_null(p->pStmt, 3));
    }
    if( c.city >= 0 ){
      TRY(p, sqlite3_bind_text(p->pStmt, 4, CITY[c.city], -1, SQLITE_STATIC));
    }else{
      TRY(p, sqlite3_bind_null(p->pStmt, 4));
    }
    TRY(p, sqlite3_bind_text(p->pStmt, 5, CHANNEL[c.channel], -1,
                             SQLITE_STATIC));
    if( c.birth_year ){
      TRY(p, sqlite3_bind_int(p->pStmt, 6, c.birth_year));
    }else{
      TRY(p, sqlite3_bind_null(p->pStmt, 6));
    }
    TRY(p, sqlite3_bind_text(p->pStmt, 7, g_date[g->signup_day[id-1]], 10,
                             SQLITE_STATIC));
    if( shop_step(p) ) return 1;
  }
  return shop_finalize(p);
}

static int insert_orders(shop_t *p, const order_rec *a, uint64_t n){
  char zAt[20];
  uint64_t i;
  if( shop_prepare(p, "INSERT INTO orders VALUES(?,?,?,?,?,?)",
                   "prepare INSERT INTO orders") ) return 1;
  p->zWhat = "insert into orders";
  for(i=0; i<n; i++){
    int status = (int)(a[i].disc_status & 3u);
    uint32_t disc = a[i].disc_status >> 2;
    format_time(zAt, a[i].t);
    TRY(p, sqlite3_bind_int64(p->pStmt, 1, (sqlite3_int64)(i+1)));
    TRY(p, sqlite3_bind_int64(p->pStmt, 2, (sqlite3_int64)a[i].cust));
    TRY(p, sqlite3_bind_text(p->pStmt, 3, zAt, 19, SQLITE_STATIC));
    if( status == ST_PAID_NULL ){
      TRY(p, sqlite3_bind_null(p->pStmt, 4));
    }else{
      TRY(p, sqlite3_bind_double(p->pStmt, 4, a[i].cents / 100.0));
    }
    TRY(p, sqlite3_bind_text(p->pStmt, 5, STATUS[status], -1, SQLITE_STATIC));
    TRY(p, sqlite3_bind_double(p->pStmt, 6, disc / 100.0));
    if( shop_step(p) ) return 1;
  }
  return shop_finalize(p);
}

static int insert_events(shop_t *p, const event_rec *a, uint64_t n){
  char zAt[20];
  uint64_t i;
  if( shop_prepare(p, "INSERT INTO email_events VALUES(?,?,?)",
                   "prepare INSERT INTO email_events") ) return 1;
  p->zWhat = "insert into email_events";
  for(i=0; i<n; i++){
    format_time(zAt, a[i].t);
    TRY(p, sqlite3_bind_int64(p->pStmt, 1, (sqlite3_int64)a[i].cust));
    TRY(p, sqlite3_bind_text(p->pStmt, 2, zAt, 19, SQLITE_STATIC));
    TRY(p, sqlite3_bind_text(p->pStmt, 3, EVENT[a[i].kind], -1,
                             SQLITE_STATIC));
    if( shop_step(p) ) return 1;
  }
  return shop_finalize(p);
}

/* ---------------------------------------------------------------------
** Main.
*/
static void usage(FILE *f){
  fprintf(f,
    "usage: gen_shop [--size demo|S|M|L] [--customers N] [--orders N]\n"
    "                [--seed N] [--no-events] [--index] OUT.db\n"
    "  sizes: demo 3000/30000, S 10k/100k, M 100k/1M, L 1M/10M"
    " (customers/orders)\n");
}

/* Parse a whole decimal number in 1..max; 0 on success. */
static int parse_u64(const char *zOpt, const char *z, uint64_t max,
                     uint64_t *pOut){
  char *zEnd = 0;
  unsigned long long v;
  if( z == 0 ){
    fprintf(stderr, "gen_shop: %s needs a value\n", zOpt);
    return 1;
  }
  errno = 0;
  v = strtoull(z, &zEnd, 10);
  if( z[0] < '0' || z[0] > '9' || *zEnd != 0 || errno != 0 || v > max
   || (v == 0 && max != UINT64_MAX) ){
    fprintf(stderr, "gen_shop: %s must be a whole number in %s..%llu,"
            " got '%s'\n", zOpt, max == UINT64_MAX ? "0" : "1",
            (unsigned long long)max, z);
    return 1;
  }
  *pOut = (uint64_t)v;
  return 0;
}

static double now_seconds(void){
  struct timespec ts;
  if( clock_gettime(CLOCK_MONOTONIC, &ts) != 0 ) return 0.0;
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv){
  static const struct { const char *zName; uint64_t nCust, nOrd; } SIZES[] = {
    { "demo", 3000, 30000 },
    { "S", 10000, 100000 },
    { "M", 100000, 1000000 },
    { "L", 1000000, 10000000 },
  };
  uint64_t nCust = 0, nOrd = 0, seed = 1;
  int haveSize = 0, events = 1, index = 0, i, fd, created = 0, rc = 1, rc2;
  const char *zOut = 0;
  double t0 = now_seconds(), alpha;
  gen_t g;
  sink_t *pass = 0, *best = 0;
  order_rec *orders = 0;
  event_rec *evs = 0;
  uint64_t nOrders = 0, nEvents = 0, k;
  shop_t sh;
  int d;

  memset(&g, 0, sizeof(g));
  memset(&sh, 0, sizeof(sh));
  nCust = SIZES[0].nCust;
  nOrd = SIZES[0].nOrd;
  {
    uint64_t optCust = 0, optOrd = 0;
    for(i=1; i<argc; i++){
      const char *z = argv[i];
      if( strcmp(z, "--size") == 0 ){
        size_t j;
        const char *zv = i+1 < argc ? argv[++i] : 0;
        for(j=0; zv && j<sizeof(SIZES)/sizeof(SIZES[0]); j++){
          if( strcmp(zv, SIZES[j].zName) == 0 ) break;
        }
        if( zv == 0 ){
          fprintf(stderr, "gen_shop: --size needs a value\n");
          return 1;
        }
        if( j == sizeof(SIZES)/sizeof(SIZES[0]) ){
          fprintf(stderr, "gen_shop: unknown size '%s' (expected demo, S, M"
                  " or L)\n", zv);
          return 1;
        }
        nCust = SIZES[j].nCust;
        nOrd = SIZES[j].nOrd;
        haveSize = 1;
      }else if( strcmp(z, "--customers") == 0 ){
        if( parse_u64(z, i+1 < argc ? argv[++i] : 0, 100000000, &optCust) ){
          return 1;
        }
      }else if( strcmp(z, "--orders") == 0 ){
        if( parse_u64(z, i+1 < argc ? argv[++i] : 0, 1000000000, &optOrd) ){
          return 1;
        }
      }else if( strcmp(z, "--seed") == 0 ){
        if( parse_u64(z, i+1 < argc ? argv[++i] : 0, UINT64_MAX, &seed) ){
          return 1;
        }
      }else if( strcmp(z, "--no-events") == 0 ){
        events = 0;
      }else if( strcmp(z, "--index") == 0 ){
        index = 1;
      }else if( strcmp(z, "-h") == 0 || strcmp(z, "--help") == 0 ){
        usage(stdout);
        return 0;
      }else if( z[0] == '-' && z[1] != 0 ){
        fprintf(stderr, "gen_shop: unknown option '%s'\n", z);
        usage(stderr);
        return 1;
      }else if( zOut ){
        fprintf(stderr, "gen_shop: more than one output file ('%s', '%s')\n",
                zOut, z);
        return 1;
      }else{
        zOut = z;
      }
    }
    if( optCust ) nCust = optCust;
    if( optOrd ) nOrd = optOrd;
    if( !haveSize && optCust && !optOrd ) nOrd = optCust * 10;
    if( !haveSize && optOrd && !optCust ){
      nCust = optOrd / 10 ? optOrd / 10 : 1;
    }
  }
  if( zOut == 0 ){
    fprintf(stderr, "gen_shop: no output file given\n");
    usage(stderr);
    return 1;
  }
  if( nOrd < nCust ){
    fprintf(stderr, "gen_shop: %llu orders are too few for %llu customers"
            " (need at least one order per customer)\n",
            (unsigned long long)nOrd, (unsigned long long)nCust);
    return 1;
  }

  /* Claim the file before spending any time: never overwrite. */
  fd = open(zOut, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if( fd < 0 ){
    if( errno == EEXIST ){
      fprintf(stderr, "gen_shop: %s already exists; not overwriting it"
              " (remove it first)\n", zOut);
    }else{
      fprintf(stderr, "gen_shop: cannot create %s: %s\n", zOut,
              strerror(errno));
    }
    return 1;
  }
  created = 1;
  if( close(fd) != 0 ){
    fprintf(stderr, "gen_shop: cannot create %s: %s\n", zOut, strerror(errno));
    goto done;
  }

  calendar_init();
  cdf_init();
  g.seed = seed;
  g.n_cust = (uint32_t)nCust;
  pass = malloc(sizeof(*pass));
  best = malloc(sizeof(*best));
  if( pass == 0 || best == 0 || signups_make(&g) ){
    fprintf(stderr, "gen_shop: out of memory\n");
    goto done;
  }

  /* Orders: tune the rate, lay out by day, generate, sort each day. */
  alpha = orders_tune(&g, nOrd, pass, best);
  if( fabs((double)best->n - (double)nOrd) > 0.02*(double)nOrd + 2.0 ){
    fprintf(stderr, "gen_shop: cannot make about %llu orders from %llu"
            " customers (closest: %llu); change --orders or --customers\n",
            (unsigned long long)nOrd, (unsigned long long)nCust,
            (unsigned long long)best->n);
    goto done;
  }
  nOrders = sink_layout(best);
  orders = malloc((size_t)(nOrders ? nOrders : 1) * sizeof(order_rec));
  if( orders == 0 ){
    fprintf(stderr, "gen_shop: out of memory for %llu orders\n",
            (unsigned long long)nOrders);
    goto done;
  }
  best->fill = 1;
  best->n = 0;
  best->orders = orders;
  for(k=1; k<=g.n_cust; k++){
    cust_t c;
    cust_make(&g, (uint32_t)k, &c);
    orders_gen(&g, &c, alpha, best);
  }
  for(d=0, k=0; d<N_DAYS; d++){
    uint64_t start = d ? best->next[d-1] : 0;
    qsort(orders + start, (size_t)(best->next[d] - start), sizeof(order_rec),
          cmp_order);
    k += best->next[d] - start;
  }
  if( best->n != nOrders || k != nOrders ){
    fprintf(stderr, "gen_shop: internal error: second pass made %llu orders,"
            " first %llu\n", (unsigned long long)best->n,
            (unsigned long long)nOrders);
    goto done;
  }

  /* The database. */
  sh.zOut = zOut;
  sh.zWhat = "open";
  rc2 = sqlite3_open_v2(zOut, &sh.db, SQLITE_OPEN_READWRITE, 0);
  if( rc2 != SQLITE_OK ){ shop_error(&sh, rc2); goto done; }
  if( shop_exec(&sh, "PRAGMA journal_mode=OFF", "PRAGMA journal_mode=OFF")
   || shop_exec(&sh, "PRAGMA synchronous=OFF", "PRAGMA synchronous=OFF")
   || shop_exec(&sh, "BEGIN", "BEGIN")
   || shop_exec(&sh, SCHEMA, "create tables customers, orders")
   || (events && shop_exec(&sh, SCHEMA_EVENTS, "create table email_events"))
   || insert_customers(&sh, &g)
   || insert_orders(&sh, orders, nOrders) ){
    goto done;
  }
  free(orders);
  orders = 0;

  if( events ){
    memset(pass, 0, sizeof(*pass));
    for(k=1; k<=g.n_cust; k++){
      cust_t c;
      cust_make(&g, (uint32_t)k, &c);
      events_gen(&g, &c, pass);
    }
    nEvents = sink_layout(pass);
    evs = malloc((size_t)(nEvents ? nEvents : 1) * sizeof(event_rec));
    if( evs == 0 ){
      fprintf(stderr, "gen_shop: out of memory for %llu email events\n",
              (unsigned long long)nEvents);
      goto done;
    }
    pass->fill = 1;
    pass->n = 0;
    pass->events = evs;
    for(k=1; k<=g.n_cust; k++){
      cust_t c;
      cust_make(&g, (uint32_t)k, &c);
      events_gen(&g, &c, pass);
    }
    for(d=0; d<N_DAYS; d++){
      uint64_t start = d ? pass->next[d-1] : 0;
      qsort(evs + start, (size_t)(pass->next[d] - start), sizeof(event_rec),
            cmp_event);
    }
    if( pass->n != nEvents ){
      fprintf(stderr, "gen_shop: internal error: second pass made %llu"
              " events, first %llu\n", (unsigned long long)pass->n,
              (unsigned long long)nEvents);
      goto done;
    }
    if( insert_events(&sh, evs, nEvents) ) goto done;
    free(evs);
    evs = 0;
  }

  if( shop_exec(&sh, "COMMIT", "COMMIT") ) goto done;
  if( index && shop_exec(&sh,
        "CREATE INDEX orders_customer_id ON orders(customer_id)",
        "CREATE INDEX orders_customer_id") ){
    goto done;
  }
  sh.zWhat = "close";
  rc2 = sqlite3_close(sh.db);
  if( rc2 != SQLITE_OK ){ shop_error(&sh, rc2); goto done; }
  sh.db = 0;
  rc = 0;
  fprintf(stderr, "gen_shop: %s: %llu customers, %llu orders, %llu email"
          " events in %.2f s\n", zOut, (unsigned long long)nCust,
          (unsigned long long)nOrders, (unsigned long long)nEvents,
          now_seconds() - t0);

done:
  /* Only on failure: the failed statement's code is already reported, so
  ** finalize's repeat of it is not; a failing close is. */
  if( sh.pStmt ) (void)sqlite3_finalize(sh.pStmt);
  if( sh.db && (rc2 = sqlite3_close(sh.db)) != SQLITE_OK ){
    fprintf(stderr, "gen_shop: %s: close (%s)\n", zOut, sqlite3_errstr(rc2));
  }
  if( rc != 0 && created && unlink(zOut) != 0 ){
    fprintf(stderr, "gen_shop: could not remove the partial %s: %s\n", zOut,
            strerror(errno));
  }
  free(orders);
  free(evs);
  free(pass);
  free(best);
  free(g.signup_day);
  return rc;
}
