"""Adam exactly as TensorFlow.js 4.22 computes it (tf.train.adam, tfjs-core
src/optimizers/adam_optimizer.ts), so a step here and a step in the app agree:

    m  = beta1 * m + (1 - beta1) * g
    v  = beta2 * v + (1 - beta2) * g^2
    w -= lr * (m / (1 - accBeta1)) / (sqrt(v / (1 - accBeta2)) + epsilon)
    accBeta1 *= beta1;  accBeta2 *= beta2          (float32 scalars, starting at beta1, beta2)

with tfjs's defaults beta1 = 0.9, beta2 = 0.999 and epsilon = the backend's
float32 epsilon, 1e-7 (torch.optim.Adam's default is 1e-8).
"""

import torch

TFJS_BETA1 = 0.9
TFJS_BETA2 = 0.999
TFJS_EPSILON = 1e-7


class TfjsAdam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, beta1=TFJS_BETA1, beta2=TFJS_BETA2, epsilon=TFJS_EPSILON):
        super().__init__(params, dict(lr=lr, beta1=beta1, beta2=beta2, epsilon=epsilon))
        self.iterations = 0
        self.acc_beta1 = torch.tensor(beta1, dtype=torch.float32)
        self.acc_beta2 = torch.tensor(beta2, dtype=torch.float32)

    def set_learning_rate(self, lr):
        for group in self.param_groups:
            group["lr"] = lr

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        one_minus_acc1 = float(1 - self.acc_beta1)
        one_minus_acc2 = float(1 - self.acc_beta2)
        for group in self.param_groups:
            beta1, beta2, eps, lr = group["beta1"], group["beta2"], group["epsilon"], group["lr"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["m"] = torch.zeros_like(p)
                    state["v"] = torch.zeros_like(p)
                m, v, g = state["m"], state["v"], p.grad
                m.mul_(beta1).add_(g * (1 - beta1))
                v.mul_(beta2).add_(g * g * (1 - beta2))
                update = (m / one_minus_acc1) / ((v / one_minus_acc2).sqrt_().add_(eps))
                p.add_(update * -lr)
        self.acc_beta1 = self.acc_beta1 * self.param_groups[0]["beta1"]
        self.acc_beta2 = self.acc_beta2 * self.param_groups[0]["beta2"]
        self.iterations += 1
        return loss

    def state_dict(self):
        state = super().state_dict()
        state["tfjs"] = {
            "iterations": self.iterations,
            "acc_beta1": float(self.acc_beta1),
            "acc_beta2": float(self.acc_beta2),
        }
        return state

    def load_state_dict(self, state_dict):
        extra = state_dict.get("tfjs", {})
        state_dict = {k: v for k, v in state_dict.items() if k != "tfjs"}
        super().load_state_dict(state_dict)
        self.iterations = extra.get("iterations", 0)
        self.acc_beta1 = torch.tensor(extra.get("acc_beta1", self.param_groups[0]["beta1"]), dtype=torch.float32)
        self.acc_beta2 = torch.tensor(extra.get("acc_beta2", self.param_groups[0]["beta2"]), dtype=torch.float32)
