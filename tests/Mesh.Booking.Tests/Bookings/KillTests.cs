using System.Diagnostics;
using System.Net;
using Grpc.Net.Client;
using Mesh.Booking.V1;
using Mesh.Servers.Processes;
using Mesh.Testing;

namespace Mesh.Booking.Tests.Bookings;

/// <summary>Catalog, payment and the broker in-process; booking itself is a real process the test kills.</summary>
public sealed class BookingProcessFixture(TestServers servers) : CheckoutFixture(servers)
{
    protected override bool HostBooking => false;
}

/// <summary>
/// Booking as a real process (its Release build), killed with SIGKILL while checkouts are in flight and started again:
/// every booking ends CONFIRMED or FAILED, and the money payment kept equals the CONFIRMED bookings' amounts.
/// </summary>
public sealed class KillTests(BookingProcessFixture fixture) : IClassFixture<BookingProcessFixture>
{
    private const int Customers = 10;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_a_SIGKILL_mid_checkout_and_a_restart_every_booking_settles_and_money_matches()
    {
        var grpcPort = LoopbackPorts.GetFree();
        var environment = Environment(grpcPort);
        var (show, seats) = fixture.AddShow(seats: Customers);
        var customers = new List<Customer>();
        for (var i = 0; i < Customers; i++) customers.Add(await fixture.NewCustomerAsync());

        using var channel = GrpcChannel.ForAddress(new Uri($"http://127.0.0.1:{grpcPort}"));
        var client = new Mesh.Booking.V1.Booking.BookingClient(channel);
        var first = Start(environment);
        try
        {
            await ReadyAsync(client, customers[0]);
            var holds = new List<Hold>();
            for (var i = 0; i < Customers; i++) holds.Add(await client.CreateHoldAsync(new CreateHoldRequest { ShowId = show, SeatIds = { seats[i] } }, customers[i].Bearer, cancellationToken: Ct));

            // Slow payment, so checkouts are caught between their two transactions; kill once some have begun.
            fixture.Provider.Latency = TimeSpan.FromMilliseconds(400);
            var checkouts = holds.Select((h, i) => client.CheckoutAsync(new CheckoutRequest { HoldId = h.Id, PaymentMethodId = customers[i].CardId },
                customers[i].WithKey($"kill-{i}"), cancellationToken: Ct).ResponseAsync).ToList();
            await Eventually.UntilAsync(() => fixture.BookingScalarAsync<long>("SELECT count(*) FROM bookings"), n => n >= Customers / 2, "checkouts to begin");
            first.Kill(); // SIGKILL
            await first.WaitForExitAsync(Ct);
            fixture.Provider.Latency = TimeSpan.Zero;
            foreach (var checkout in checkouts)
            {
                try { await checkout; }
                catch (RpcException) { /* cut off by the kill: its booking is settled by recovery */ }
            }
        }
        finally
        {
            if (!first.HasExited) first.Kill();
            first.Dispose();
        }
        var pendingAtKill = await fixture.BookingScalarAsync<long>("SELECT count(*) FROM bookings WHERE status = 'PENDING'");
        TestContext.Current.TestOutputHelper?.WriteLine($"bookings PENDING when booking was killed: {pendingAtKill}");

        using var second = Start(environment);
        try
        {
            await ReadyAsync(client, customers[0]);
            await Eventually.UntilAsync(() => fixture.BookingScalarAsync<long>("SELECT count(*) FROM bookings WHERE status = 'PENDING'"), n => n == 0, "every booking to settle");
            Assert.Equal(0L, await fixture.BookingScalarAsync<long>("SELECT count(*) FROM bookings WHERE status NOT IN ('CONFIRMED', 'FAILED')"));

            // Money: what payment kept (captured less refunded, over every booking's payments) = the CONFIRMED bookings.
            var confirmed = await fixture.BookingScalarAsync<long>("SELECT coalesce(sum(amount_minor), 0)::bigint FROM bookings WHERE status = 'CONFIRMED'");
            await Eventually.UntilAsync(() => fixture.PaymentScalarAsync<long>(
                "SELECT coalesce(sum(amount_captured - amount_refunded), 0)::bigint FROM payments WHERE description LIKE 'Booking %'"), kept => kept == confirmed,
                $"payment's kept money to equal the confirmed bookings ({confirmed})");
            Assert.Equal(0L, await fixture.PaymentScalarAsync<long>(
                "SELECT count(*) FROM (SELECT description FROM payments WHERE description LIKE 'Booking %' GROUP BY description HAVING count(*) > 1) d"));
            Assert.True(confirmed > 0);
        }
        finally
        {
            second.Kill();
            await second.WaitForExitAsync(CancellationToken.None);
        }
    }

    private Dictionary<string, string> Environment(int grpcPort) => new()
    {
        ["ConnectionStrings__bookingdb"] = fixture.BookingDb,
        ["ConnectionStrings__messaging"] = fixture.Messaging,
        ["services__catalog__grpc__0"] = fixture.CatalogAddress.ToString(),
        ["services__payment__grpc__0"] = fixture.PaymentAddress.ToString(),
        ["GRPC_PORT"] = grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["HTTP_PORT"] = "0",
        ["Mesh__Auth__Keys__0__Kid"] = "test",
        ["Mesh__Auth__Keys__0__Pem"] = fixture.Tokens.PublicKeyPem,
        ["Mesh__Hosting__DrainTimeout"] = "00:00:01",
        ["Mesh__Outbox__PollInterval"] = "00:00:00.1",
        ["Booking__RecoveryInterval"] = "00:00:00.2",
        ["Booking__ChargeTaskAfter"] = "00:00:01",
        // Long enough that a slow restart on a busy machine does not fail every pending booking at its deadline before
        // recovery settles it (that would be a defined end, but not the one this test is about).
        ["Booking__CheckoutTimeout"] = "00:03:00",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    private static Process Start(Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(BookingDll());
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>services/Booking/bin/Release/net10.0/Mesh.Booking.dll of this checkout (built with the test project).</summary>
    private static string BookingDll()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var dll = Path.Combine(dir.FullName, "services", "Booking", "bin", "Release", "net10.0", "Mesh.Booking.dll");
            if (File.Exists(dll)) return dll;
        }
        throw new FileNotFoundException("services/Booking/bin/Release/net10.0/Mesh.Booking.dll not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Waits until the process answers gRPC (it listens only after its migrations ran).</summary>
    private static Task ReadyAsync(Mesh.Booking.V1.Booking.BookingClient client, Customer anyone) =>
        Eventually.UntilAsync(async () =>
        {
            try
            {
                await client.ListMyBookingsAsync(new ListMyBookingsRequest(), anyone.Bearer, cancellationToken: Ct);
                return true;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown)
            {
                return false;
            }
        }, up => up, "the booking process to answer");
}
