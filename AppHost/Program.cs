// The whole mesh as an Aspire app model — read it as the architecture diagram. `./mesh up` runs it: servers first,
// then each service once what it waits for is healthy; the Aspire dashboard (http://localhost:18888) shows it all;
// Ctrl+C stops everything.
using Mesh.Hosting.Local;
using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);

// Shared infrastructure: one PostgreSQL server (a database per service), Redis, RabbitMQ. By default Debian's servers
// run as processes with their data under .mesh/data (Mesh.Hosting.Local); with Mesh:Servers=containers the same names
// are Aspire's stock container resources, for a machine with a container runtime.
var containers = string.Equals(builder.Configuration["Mesh:Servers"], "containers", StringComparison.OrdinalIgnoreCase);
Func<string, IResourceBuilder<IResourceWithConnectionString>> addDatabase;
if (containers)
{
    var postgres = builder.AddPostgres("postgres").WithDataVolume();
    addDatabase = name => postgres.AddDatabase(name);
}
else
{
    var postgres = builder.AddLocalPostgres("postgres");
    addDatabase = name => postgres.AddDatabase(name);
}
// Each container server keeps its data in a volume, as the local servers keep theirs under .mesh/data; `./mesh
// manifests` turns these volumes into the Kubernetes StatefulSets' claims.
IResourceBuilder<IResourceWithConnectionString> cache = containers ? builder.AddRedis("cache").WithDataVolume() : builder.AddLocalRedis("cache");
IResourceBuilder<IResourceWithConnectionString> messaging = containers ? builder.AddRabbitMQ("messaging").WithDataVolume() : builder.AddLocalRabbitMQ("messaging");

// The REST edge (YARP): routes made from the services' google.api.http rules, forwarded to each service's http
// endpoint, whose JSON transcoding answers; JWT, rate limits shared in Redis, the other edge policies.
// http://localhost:8080 (Mesh:EdgePort) — /docs (Swagger UI), /openapi.json (every service's merged), /health.
var gateway = builder.AddProject<Projects.Mesh_Gateway>("gateway")
    .WithEdgeEndpoint(port: builder.Configuration.GetValue("Mesh:EdgePort", 8080))
    .WithReference(cache).WaitFor(cache);

// Accounts, sign-in and tokens: the issuer every other service and the gateway validate against (its JWKS).
var usersDb = addDatabase("usersdb");
var users = builder.AddProject<Projects.Mesh_Users>("users").WithServiceEndpoints()
    .WithReference(usersDb).WithReference(cache)
    .WaitFor(usersDb).WaitFor(cache);
// `./mesh up --Mesh:Admins=ada@example.com,…`: these emails become admins when they register (Users:BootstrapAdmins),
// the only way a fresh mesh gets the admin who grants every other role.
var admins = (builder.Configuration["Mesh:Admins"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
for (var i = 0; i < admins.Length; i++) users.WithEnvironment($"Users__BootstrapAdmins__{i}", admins[i]);
gateway.WithReference(users);

// What people browse before they book: cities, venues with seat maps, shows, bookable services, products. Redis for
// hot reads, cleared by the catalog's own change events (outbox → RabbitMQ); it validates tokens against the users
// service's JWKS. Demo data is loaded on the first start.
var catalogDb = addDatabase("catalogdb");
var catalog = builder.AddProject<Projects.Mesh_Catalog>("catalog").WithServiceEndpoints()
    .WithReference(catalogDb).WithReference(cache).WithReference(messaging).WithReference(users)
    .WaitFor(catalogDb).WaitFor(cache).WaitFor(messaging);
gateway.WithReference(catalog);

// Payment methods, payments, refunds and the ledger; events leave through its outbox to RabbitMQ.
var paymentDb = addDatabase("paymentdb");
var payment = builder.AddProject<Projects.Mesh_Payment>("payment").WithServiceEndpoints()
    .WithReference(paymentDb).WithReference(messaging).WithReference(users)
    .WaitFor(paymentDb).WaitFor(messaging);
gateway.WithReference(payment);

// Holds on seats and service slots (exclusive in the database; prices from the catalog), the checkout saga (payment
// with the booking id as idempotency key, settled through RabbitMQ tasks and events when the outcome is not known at
// once), cancellation by policy with refunds as queue tasks, history with signed tickets.
var bookingDb = addDatabase("bookingdb");
var booking = builder.AddProject<Projects.Mesh_Booking>("booking").WithServiceEndpoints()
    .WithReplicas(builder.Configuration.GetValue("Mesh:Replicas:booking", 1))
    .WithReference(bookingDb).WithReference(cache).WithReference(catalog).WithReference(users)
    .WithReference(messaging).WithReference(payment)
    .WaitFor(bookingDb).WaitFor(messaging); // the catalog is asked per hold, with a deadline: no need to wait for it to start
gateway.WithReference(booking);

// The catalog shows seat status and free slot places from booking (no WaitFor: each asks the other per request).
catalog.WithReference(booking);

// Verified reviews of products, services, events and venues: the purchase check asks booking (with the customer's own
// token), the catalog names the item's city; aggregates move with each write, are cached in Redis, and reach the
// catalog's items as rating.changed events (outbox → RabbitMQ).
var ratingDb = addDatabase("ratingdb");
var rating = builder.AddProject<Projects.Mesh_Rating>("rating").WithServiceEndpoints()
    .WithReference(ratingDb).WithReference(cache).WithReference(messaging).WithReference(booking).WithReference(catalog).WithReference(users)
    .WaitFor(ratingDb).WaitFor(cache).WaitFor(messaging); // booking and the catalog are asked per review, not at start
gateway.WithReference(rating);

// Coupons and referral rewards: booking's checkout saga reserves a coupon redemption here before charging; booking's
// events (RabbitMQ) confirm or release it; holds (booking) and shows (catalog) for ValidateCoupon's preview.
var referralDb = addDatabase("referraldb");
var referral = builder.AddProject<Projects.Mesh_Referral>("referral").WithServiceEndpoints()
    .WithReference(referralDb).WithReference(messaging).WithReference(users).WithReference(booking).WithReference(catalog)
    .WaitFor(referralDb).WaitFor(messaging);
gateway.WithReference(referral);
// Booking calls referral during checkout (no WaitFor: referral refers back to booking; a checkout with a coupon while
// referral is down is refused as UNAVAILABLE, one without a coupon never calls it).
booking.WithReference(referral);

// Support: tickets with SLA deadlines, the back office, and live chat between customer and agent. Its replicas share
// supportdb; a chat message is stored there before it is acknowledged, and PostgreSQL LISTEN/NOTIFY wakes the chat
// streams on every replica (customer and agent may be on different ones). Replies and status changes leave through
// its outbox as notification.requested.
var supportDb = addDatabase("supportdb");
var support = builder.AddProject<Projects.Mesh_Support>("support").WithServiceEndpoints()
    .WithReplicas(builder.Configuration.GetValue("Mesh:Replicas:support", 1))
    .WithReference(supportDb).WithReference(messaging).WithReference(users)
    .WithReference(booking).WithReference(payment)    // the back office: the customer's bookings and payments, refunds (as the agent)
    .WaitFor(supportDb).WaitFor(messaging);
gateway.WithReference(support);

// Ads: partners' campaigns (staff approve), a second-price auction per feed slot with even pacing and a frequency cap;
// impressions and clicks billed exactly once within the day's budget (a CHECK in adsdb) and announced as
// ad.impression / ad.clicked through its outbox (analytics counts them).
var adsDb = addDatabase("adsdb");
var ads = builder.AddProject<Projects.Mesh_Ads>("ads").WithServiceEndpoints()
    .WithReference(adsDb).WithReference(messaging).WithReference(users)
    .WaitFor(adsDb).WaitFor(messaging);
gateway.WithReference(ads);

// The home feed: trending (analytics), suggestions (its own record of booking.confirmed events from RabbitMQ, views
// from analytics, listings and seats from the catalog), upcoming bookings (booking, with the user's token), top rated
// (rating) and ads, each asked with a deadline: a service that is down only leaves its section out (so no WaitFor on
// them). Feeds cached per user in Redis, dropped when the user books.
var feedDb = addDatabase("feeddb");
var feed = builder.AddProject<Projects.Mesh_Feed>("feed").WithServiceEndpoints()
    .WithReference(feedDb).WithReference(cache).WithReference(messaging).WithReference(users)
    .WithReference(catalog).WithReference(booking).WithReference(rating).WithReference(ads)
    .WaitFor(feedDb).WaitFor(cache).WaitFor(messaging);
gateway.WithReference(feed);

// Notification: what users should hear about — booking, payment, subscription, referral and support events, reminders,
// "new show in your city" broadcasts — into an inbox in notificationdb (live over Stream, SSE at the edge), and email
// and SMS through a provider boundary (the sandbox provider records, never sends). It only consumes: mesh.events on
// two queues (single-user events; broadcast batches, its own work queue through its own outbox), so it references
// no other service but users (the JWKS). Replicas share the work (SKIP LOCKED) and wake each other's live streams
// with LISTEN/NOTIFY.
var notificationDb = addDatabase("notificationdb");
var notification = builder.AddProject<Projects.Mesh_Notification>("notification").WithServiceEndpoints()
    .WithReplicas(builder.Configuration.GetValue("Mesh:Replicas:notification", 1))
    .WithReference(notificationDb).WithReference(messaging).WithReference(users)
    .WaitFor(notificationDb).WaitFor(messaging);
gateway.WithReference(notification);

// Analytics: clients' click events and the business events of mesh.events (booking, payment, sign-in, ads) on one
// RabbitMQ stream; a consumer with its offset in analyticsdb keeps trending (Redis), histories and funnels; fraud and
// bot rules over windows in Redis answer CheckRisk. It calls only users (token keys); users (sign-in), booking (hold, checkout) and
// payment call it with a tight deadline and fail open, so none of them waits for it.
var analyticsDb = addDatabase("analyticsdb");
var analytics = builder.AddProject<Projects.Mesh_Analytics>("analytics").WithServiceEndpoints()
    .WithReference(analyticsDb).WithReference(cache).WithReference(messaging).WithReference(users)
    .WaitFor(analyticsDb).WaitFor(cache).WaitFor(messaging);
gateway.WithReference(analytics);
users.WithReference(analytics);
booking.WithReference(analytics);
payment.WithReference(analytics);
// The feed's trending section and the views behind its suggestions (no WaitFor: without analytics, those are missing).
feed.WithReference(analytics);


// `./mesh up` prints each connection string and endpoint as its resource becomes ready; any process that ends while
// the mesh runs, with its exit code and last console lines; and, once, what is still not ready after Mesh:SlowStartAfter.
builder.PrintStartupSummary();
builder.PrintResourceExits();
builder.PrintSlowStarts(after: builder.Configuration.GetValue("Mesh:SlowStartAfter", TimeSpan.FromMinutes(5)));

builder.Build().Run();
