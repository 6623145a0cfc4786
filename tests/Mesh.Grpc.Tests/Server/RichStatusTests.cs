using Google.Rpc;
using Xunit;
using RpcStatus = Google.Rpc.Status;

namespace Mesh.Grpc.Tests.Server;

/// <summary>google.rpc.Status ⇄ RpcException (the grpc-status-details-bin trailer).</summary>
public sealed class RichStatusTests
{
    [Fact]
    public void A_rich_status_round_trips_through_an_rpc_exception()
    {
        var status = new RpcStatus { Code = (int)StatusCode.InvalidArgument, Message = "bad input" }
            .WithDetail(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = "email", Description = "required" } } });

        var exception = status.ToRpcException(new Metadata { { "x-request-id", "42" } });

        Assert.Equal(StatusCode.InvalidArgument, exception.StatusCode);
        Assert.Equal("bad input", exception.Status.Detail);
        Assert.Equal("42", exception.Trailers.GetValue("x-request-id"));
        var parsed = exception.GetRpcStatus();
        Assert.Equal(status, parsed);
        Assert.Equal("email", parsed!.GetDetail<BadRequest>()!.FieldViolations.Single().Field);
        Assert.Null(parsed!.GetDetail<ErrorInfo>());
    }

    [Fact]
    public void An_exception_without_details_has_no_rich_status()
    {
        Assert.Null(new RpcException(new Status(StatusCode.NotFound, "x")).GetRpcStatus());

        var garbage = new Metadata { { "grpc-status-details-bin", new byte[] { 0xFF, 0xFF, 0xFF } } };
        Assert.Null(new RpcException(new Status(StatusCode.NotFound, "x"), garbage).GetRpcStatus());
    }
}
