// The whole mesh as an app model — read it as the architecture diagram. `./mesh up` runs it:
// servers first, then each service once what it waits for is healthy; Ctrl+C stops everything.
using Mesh.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

// Shared infrastructure: one PostgreSQL server (a database per service), Redis, RabbitMQ.
var postgres = builder.AddPostgres("postgres");
var cache = builder.AddRedis("cache");
var messaging = builder.AddRabbitMQ("messaging");

// The REST edge: transcodes HTTP/JSON to the services' gRPC from their google.api.http rules.
// http://localhost:8080 — /docs (Swagger UI), /openapi.json, /health. Rate limits live in Redis.
var gateway = builder.AddProject("gateway", "services/Gateway")
    .WithEndpointPort("http", 8080)
    .WithReference(cache).WaitFor(cache);

// Accounts, sign-in and tokens: the issuer every other service and the gateway validate against (its JWKS).
var usersDb = postgres.AddDatabase("usersdb");
var users = builder.AddProject("users", "services/Users")
    .WithReference(usersDb).WithReference(cache)
    .WaitFor(usersDb).WaitFor(cache);
gateway.WithReference(users);

// What people browse before they book: cities, venues with seat maps, shows, bookable services, products. Redis for
// hot reads, cleared by the catalog's own change events (outbox → RabbitMQ); it validates tokens against the users
// service's JWKS. Demo data is loaded on the first start.
var catalogDb = postgres.AddDatabase("catalogdb");
var catalog = builder.AddProject("catalog", "services/Catalog")
    .WithReference(catalogDb).WithReference(cache).WithReference(messaging).WithReference(users)
    .WaitFor(catalogDb).WaitFor(cache).WaitFor(messaging);
gateway.WithReference(catalog);

// Payment methods, payments, refunds and the ledger; events leave through its outbox to RabbitMQ.
var paymentDb = postgres.AddDatabase("paymentdb");
var payment = builder.AddProject("payment", "services/Payment")
    .WithReference(paymentDb).WithReference(messaging).WithReference(users)
    .WaitFor(paymentDb).WaitFor(messaging);
gateway.WithReference(payment);

// Holds on seats and service slots (exclusive in the database; prices from the catalog), the checkout saga (payment
// with the booking id as idempotency key, settled through RabbitMQ tasks and events when the outcome is not known at
// once), cancellation by policy with refunds as queue tasks, history with signed tickets.
var bookingDb = postgres.AddDatabase("bookingdb");
var booking = builder.AddProject("booking", "services/Booking")
    .WithReference(bookingDb).WithReference(cache).WithReference(catalog).WithReference(users)
    .WithReference(messaging).WithReference(payment)
    .WaitFor(bookingDb).WaitFor(catalog).WaitFor(messaging);
gateway.WithReference(booking);

// The catalog shows seat status and free slot places from booking (no WaitFor: booking waits for the catalog).
catalog.WithReference(booking);

// Referral, rating and support join the graph in the same shape as they are built; the gateway gets a reference to
// each one it fronts.

builder.Build().Run();
