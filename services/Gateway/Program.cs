// The REST edge: every route comes from the google.api.http rules of the services registered below.
Mesh.Gateway.GatewayProcess.ConfigureBufferPool(); // first: the runtime reads it once, at the pool's first use
var builder = WebApplication.CreateBuilder(args);

builder.AddGateway(services =>
{
    // One line per fronted service (issues 7-11), e.g. services.Add(Mesh.Booking.V1.Booking.Descriptor, "booking");
    services.Add(Mesh.Users.V1.Users.Descriptor, "users");
    services.Add(Mesh.Catalog.V1.Catalog.Descriptor, "catalog");
    services.Add(Mesh.Payment.V1.Payments.Descriptor, "payment");
    services.Add(Mesh.Booking.V1.Booking.Descriptor, "booking");
});

var app = builder.Build();
app.MapGateway();
app.Run();
