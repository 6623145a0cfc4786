// The booking service: seat and slot holds, the checkout saga (payment), cancellation, history and tickets.
// Composition only; the parts are in BookingComposition.cs.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddBooking();               // store (bookingdb), catalog client (prices), expired-claim sweeper, token validation
builder.AddOutboxRelay("messaging"); // booking events and payment tasks → RabbitMQ (ServiceDefaults/Messaging)

var app = builder.Build();
await app.MigrateBookingDatabaseAsync();   // Migrations/*.sql in order
app.MapBooking();                   // gRPC mesh.booking.v1.Booking
app.MapDefaultEndpoints();
app.Run();
