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

// What people browse before they book: cities, venues with seat maps, shows, bookable services. Redis for hot reads;
// it validates tokens against the users service's JWKS. Demo data is loaded on the first start.
var catalogDb = postgres.AddDatabase("catalogdb");
var catalog = builder.AddProject("catalog", "services/Catalog")
    .WithReference(catalogDb).WithReference(cache).WithReference(users)
    .WaitFor(catalogDb).WaitFor(cache);
gateway.WithReference(catalog);

// Payment methods, payments, refunds and the ledger; events leave through its outbox to RabbitMQ.
var paymentDb = postgres.AddDatabase("paymentdb");
var payment = builder.AddProject("payment", "services/Payment")
    .WithReference(paymentDb).WithReference(messaging).WithReference(users)
    .WaitFor(paymentDb).WaitFor(messaging);
gateway.WithReference(payment);

// Seat holds (exclusive by a database constraint; prices from the catalog), later checkout and cancellation.
var bookingDb = postgres.AddDatabase("bookingdb");
var booking = builder.AddProject("booking", "services/Booking")
    .WithReference(bookingDb).WithReference(cache).WithReference(catalog).WithReference(users)
    .WaitFor(bookingDb).WaitFor(catalog);
gateway.WithReference(booking);

// Services join the graph as they are built (issues 8–11), each in the same shape, and the
// gateway gets a reference to each one it fronts, e.g.
//   var bookingDb = postgres.AddDatabase("bookingdb");
//   builder.AddProject("booking", "services/Booking")
//          .WithReference(bookingDb).WithReference(cache).WithReference(messaging)
//          .WaitFor(bookingDb).WithReplicas(2);
//   gateway.WithReference(booking);

builder.Build().Run();
