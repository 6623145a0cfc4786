// The whole mesh as an app model — read it as the architecture diagram. `./mesh up` runs it:
// servers first, then each service once what it waits for is healthy; Ctrl+C stops everything.
using Mesh.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

// Shared infrastructure: one PostgreSQL server (a database per service), Redis, RabbitMQ.
var postgres = builder.AddPostgres("postgres");
var cache = builder.AddRedis("cache");
var messaging = builder.AddRabbitMQ("messaging");

// Services join the graph as they are built (issues 6–11), each in the same shape, e.g.
//   var bookingDb = postgres.AddDatabase("bookingdb");
//   builder.AddProject("booking", "services/Booking")
//          .WithReference(bookingDb).WithReference(cache).WithReference(messaging)
//          .WaitFor(bookingDb).WithReplicas(2);

builder.Build().Run();
