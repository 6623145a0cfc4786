using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Grpc.Client;
using Microsoft.AspNetCore.Hosting;
using Xunit;

namespace Mesh.Grpc.Tests.Client;

/// <summary>https:// addresses: TLS with ALPN h2 to a Kestrel endpoint with a throw-away certificate.</summary>
public sealed class TlsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }

    [Fact]
    public async Task Tls_call_succeeds_when_the_validation_callback_trusts_the_server()
    {
        using var certificate = CreateCertificate();
        string? protocol = null;
        var server = await RawGrpcServer.StartAsync(async ctx =>
        {
            protocol = ctx.Request.Protocol;
            var messages = await RawWire.ReadMessagesAsync(ctx.Request);
            RawWire.StartResponse(ctx.Response);
            await RawWire.WriteMessageAsync(ctx.Response, "secure " + messages.Single());
            RawWire.AppendStatus(ctx.Response, 0);
        }, configureListen: listen => listen.UseHttps(certificate));
        await using var _ = server;

        var seenThumbprints = new List<string>();
        var https = new UriBuilder(server.Address) { Scheme = "https" }.Uri;
        using var channel = GrpcChannel.ForAddress(https, new GrpcChannelOptions
        {
            RemoteCertificateValidationCallback = (_, cert, _, _) =>
            {
                lock (seenThumbprints) seenThumbprints.Add(cert!.GetCertHashString());
                return true;
            },
        });

        var response = await channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, null, new CallOptions(cancellationToken: Ct), "hi");
        Assert.Equal("secure hi", response);
        Assert.Equal("HTTP/2", protocol);
        Assert.Contains(certificate.GetCertHashString(), seenThumbprints);
    }

    [Fact]
    public async Task Untrusted_certificate_is_unavailable()
    {
        using var certificate = CreateCertificate();
        var server = await RawGrpcServer.StartAsync(ctx => Task.CompletedTask,
            configureListen: listen => listen.UseHttps(certificate));
        await using var _ = server;

        using var channel = GrpcChannel.ForAddress(new UriBuilder(server.Address) { Scheme = "https" }.Uri);
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Unary, null, new CallOptions(cancellationToken: Ct), "hi").ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }
}
