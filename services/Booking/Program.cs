using Mesh.Booking.Bookings;

// The booking service: seat and slot holds, the checkout saga (payment), cancellation, history and tickets.
// Composition only; the parts are in BookingComposition.cs.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddBooking();               // store (bookingdb), catalog client (prices), expired-claim sweeper, token validation
builder.AddOutboxRelay("messaging", relay => relay.Queues = BookingMessages.PaymentTaskQueues); // booking events and payment tasks → RabbitMQ; payment's task queues declared here too

var app = builder.Build();
await app.MigrateBookingDatabaseAsync();   // Migrations/*.sql in order
app.MapBooking();                   // gRPC mesh.booking.v1.Booking
app.MapDefaultEndpoints();
app.Run();
