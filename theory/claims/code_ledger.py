"""The paper against the authors' released code: one claim per difference (or checked match).

Repositories (public): ``mpezeshki/Gradient_Starvation`` (commit 67808b895822b554337cc7a1fb74775bfab18d75,
the camera-ready code) and ``gradientstarvation/GS`` (commit ace9541690a7ed923783ee113059c477b3fcc6e0,
the anonymous submission-time repository). Their code was read, not copied: each entry
quotes the one line that carries the value, with its path and line number (counted in the
stored file; "-" where the line is only identified by its quote).

``printed`` holds ``paper`` (what the paper states; None where it states nothing),
``code`` (what the released code does), ``equal`` (how the two are compared:
``"exact"`` or ``"1dp"`` — rounded to one decimal as printed), and the ``evidence``.
``theory.code_ledger`` computes the verdict from these fields (``differs from released
code`` / ``matches released code``) and, where our engine or our committed runs can, the
measured effect of the difference.
"""

from __future__ import annotations

from theory.claims import Claim, Kind

MP = "mpezeshki/Gradient_Starvation"
MP_COMMIT = "67808b895822b554337cc7a1fb74775bfab18d75"
GS = "gradientstarvation/GS"
GS_COMMIT = "ace9541690a7ed923783ee113059c477b3fcc6e0"


def _ev(repo, commit, path, line, quote, reading):
    return {"repo": repo, "commit": commit, "path": path, "line": line, "quote": quote, "reading": reading}


def _entry(cid, title, section, paper, code, evidence, statement, equal="exact", latex="", note=""):
    return Claim(id=cid, equation="code ledger", section=section, title=title, latex=latex,
                 printed={"paper": paper, "code": code, "equal": equal, "evidence": evidence},
                 statement=statement, kind=Kind.CODE, transcription_note=note)


CLAIMS: list[Claim] = [
    _entry("code_toy_u", "Fig. 5 toy: U has δ = 0.6 in the paper, δ = 0.5 in the code", "App. B.1",
           paper={"delta": 0.6}, code={"delta": 0.5},
           evidence=_ev(MP, MP_COMMIT, "Figure_6/toy_fig_6.py", "19-21",
                        "s = 0.5; U = np.array(((np.sqrt(1.0 - s ** 2), -s), (s, np.sqrt(1.0 - s ** 2))))",
                        "the toy's U is Eq. 15's rotation with δ = 0.5; App. B.1 prints U = [[0.8, -0.6], [0.6, 0.8]] (δ = 0.6)"),
           latex=r"$\mathbf{U} = \begin{pmatrix} 0.8 & -0.6 \\ 0.6 & 0.8 \end{pmatrix}$",
           statement="The Fig. 5 toy uses the U printed in App. B.1."),
    _entry("code_toy_lambda", "Fig. 5 toy: λ = 0.01 (weight decay) and λ = 0.002 (SD), unstated in the paper",
           "App. B.1",
           paper={"lam": None, "lam_sd": None}, code={"lam": 0.01, "lam_sd": 0.002},
           evidence=_ev(MP, MP_COMMIT, "Figure_6/toy_fig_6.py", "39, 78, 98",
                        "C = 100; loss += 0.5 / C * θᵀθ; loss += 0.1 / C * (output ** 2).sum()",
                        "λ = 1/C = 0.01 for Eq. 5 (and the dual's 1/(2λ) = C/2); SD's λ/2 = 0.1/C, i.e. λ = 0.002"),
           latex="We conduct experiments on a simple toy classification with two datapoints",
           statement="App. B.1 states the λ of Fig. 5's primal, dual and SD runs."),
    _entry("code_toy_dual_steps", "Fig. 5 dual curves: 5000 steps of lr 3e-6 from α = 1e-8", "App. B.1",
           paper={"reaches_fixed_point": True}, code={"steps": 5000, "lr": 3e-6, "alpha0": 1e-8},
           evidence=_ev(MP, MP_COMMIT, "Figure_6/toy_fig_6.py", "43-46",
                        "alpha = ones * 1e-8; optimizer = torch.optim.SGD([alpha], lr=0.000003); for i in range(5000)",
                        "gradient descent on −(dual objective) with a projected clamp to (0, 1)"),
           latex="Note that although their dynamics are different, they both share the same fixed points.",
           statement="Fig. 5's dual trajectories end at the fixed points the primal runs reach (the figure's claim)."),
    _entry("code_moons_iterations", "Fig. 1 (a, b) script: 1,000 iterations, not App. B.2's 10k", "App. B.2",
           paper={"iterations": 10000}, code={"iterations": 1000},
           evidence=_ev(MP, MP_COMMIT, "Figure_1/moon_fig_1.py", "21",
                        "epochs = 1000  (full batch; 'longer' runs use 10 * epochs)",
                        "Fig. 1's two-moons panels are trained for 1,000 full-batch steps; Figure_2/moon_fig_2.py "
                        "(the SD panel) uses epochs = 10000"),
           latex="Unless states otherwise, all the methods are trained with Full batch Gradient Descent with a learning rate of 1e-2 and a momentum of 0.9 for 10k iterations.",
           statement="The two-moons runs are 10k iterations long."),
    _entry("code_moons_sd_wd", "Two-moons SD panel: weight decay 2e-4 and SD coefficient 0.003 (mean), unstated",
           "§4.1, App. B.2",
           paper={"weight_decay": None, "sd_coef": None}, code={"weight_decay": 2e-4, "sd_coef": 0.003},
           evidence=_ev(MP, MP_COMMIT, "Figure_2/moon_fig_2.py", "-",
                        "optim.SGD(net.parameters(), lr=1e-2, momentum=0.9, weight_decay=0.0002); "
                        "'sp_coef': 0.003; loss += exp['sp_coef'] * (y_hat ** 2).mean()",
                        "every run of that figure (with and without SD) also has weight decay 2e-4; SD's λ/2 = 0.003 "
                        "per example relative to the mean cross-entropy (λ = 0.006)"),
           latex="Fig. 1 (c) demonstrates the learned decision boundary when SD is used.",
           statement="§4.1 / App. B.2 give the SD coefficient and the weight decay of the SD panel."),
    _entry("code_moons_mean", "Two moons: the code averages the loss over examples (Eq. 5 sums)", "§3.2, App. B.2",
           paper={"reduction": "sum"}, code={"reduction": "mean", "n": 300},
           evidence=_ev(MP, MP_COMMIT, "Figure_1/moon_fig_1.py", "-",
                        "loss = torch.log(1.0 + torch.exp(-y_hat * y)).mean()",
                        "1 · log[1 + exp(−Yŷ)] in Eq. 5 / Eq. 17 is a sum; the scripts use the mean, so a coefficient "
                        "c on a mean penalty is λ/2 = c relative to the mean loss, i.e. λ_sum = λ_mean for penalties "
                        "that are also means, but lr and weight decay act n = 300 times more strongly than on the sum"),
           latex=r"where 1 is a vector of size n with all its elements equal to 1. This vector form simply represents a summation over all the elements of the vector it is multiplied to.",
           statement="The experiments minimise Eq. 5 / Eq. 17 as written (sums over examples)."),
    _entry("code_cmnist_sd_scale", "Colored MNIST SD: the code multiplies the whole loss by 2e-5 after the anneal step",
           "App. B.4 (Table 4)",
           paper={"penalty_relative_to_ce": 2e-5}, code={"penalty_relative_to_ce": 1.0, "global_factor": 2e-5},
           evidence=_ev(MP, MP_COMMIT, "Figure_4_and_table_1/cmnist.py", "155 (as cited in the repository's issue #1)",
                        "loss = flags.sd_coef * (sd + train_nll)   # sd = (logits ** 2).mean(); before: train_nll + sd_coef * sd",
                        "after step 450 the SD penalty weighs as much as the cross-entropy (λ = 2 in Eq. 17's per-example "
                        "form) and Adam sees the loss scaled by 2e-5; Table 4's 'penalty coef 2e-5' is that global factor. "
                        "Asked, unanswered, in the repository's issue #1 (2021-05-24)"),
           latex="Table 4: Hyper-parameters used for the Colored-MNIST experiment.",
           statement="Table 2's SD is Eq. 17 with penalty coefficient 2e-5 (Table 4)."),
    _entry("code_cmnist_steps", "Colored MNIST ERM: 1,001 steps in the script, 2,000 in Table 4", "App. B.4 (Table 4)",
           paper={"erm": 2000, "sd": 2000, "irm": 500}, code={"erm": 1001, "sd": 2001, "irm": 501},
           evidence=_ev(MP, MP_COMMIT, "Figure_4_and_table_1/table_1.sh", "11, 22, 33",
                        "--steps=1001 (erm); --steps=2001 (sd); --steps=501 (irm)",
                        "range(steps) runs steps updates: ERM 1001 (Table 4: 2000), SD 2001, IRM 501; off by one "
                        "for SD and IRM, half for ERM"),
           latex="ERM	2	300	0.0	1e-4	0/2000	n/a",
           statement="Table 4's step counts are those of the released runs.", note="Table 4 row, tab-separated."),
    _entry("code_cmnist_erm_l2", "Colored MNIST ERM: l2 = 0.001 passed but unused (Table 4: 0.0)", "App. B.4 (Table 4)",
           paper={"effective_l2": 0.0}, code={"effective_l2": 0.0, "passed_l2": 0.001},
           evidence=_ev(MP, MP_COMMIT, "Figure_4_and_table_1/table_1.sh", "6",
                        "--l2_regularizer_weight=0.001 (erm); cmnist.py's 'erm' branch: loss = train_nll.clone()",
                        "the flag is read only by the IRM branch, so ERM trains without weight decay, as Table 4 says"),
           latex="ERM	2	300	0.0	1e-4	0/2000	n/a",
           statement="Table 2's ERM has no weight decay.", note="Table 4 row, tab-separated."),
    _entry("code_cmnist_labels", "Colored MNIST labels: the code sets y = 1 for digits 0-4 (paper: −1)", "§4.3",
           paper={"positive_digits": "5-9"}, code={"positive_digits": "0-4"},
           evidence=_ev(MP, MP_COMMIT, "Figure_4_and_table_1/cmnist.py", "-",
                        "labels = (labels < 5).float()",
                        "the positive class is digits 0-4; colour follows the label, so the task is the paper's with "
                        "both classes renamed (no effect on any accuracy: the loss and data are symmetric under y → −y)"),
           latex="The task is to predict binary labels y = -1 for digits 0 to 4 and y = +1 for digits 5 to 9.",
           statement="The positive class is digits 5-9."),
    _entry("code_cmnist_table2_rounding", "Table 2 from the script's printed results: IRM's stds truncated",
           "§4.3 (Table 2)",
           paper={"erm": (91.1, 0.4, 23.7, 0.8), "sd": (70.0, 0.9, 68.4, 1.2), "irm": (70.5, 0.6, 67.1, 1.4)},
           code={"erm": (91.08, 0.43, 23.70, 0.76), "sd": (70.04, 0.91, 68.40, 1.24), "irm": (70.54, 0.67, 67.08, 1.47)},
           equal="1dp",
           evidence=_ev(MP, MP_COMMIT, "Figure_4_and_table_1/table_1.sh", "36-46",
                        "# ERM: 91.08 % (pm 0.43) / 23.70 % (pm 0.76); SD: 70.04 (pm 0.91) / 68.40 (pm 1.24); "
                        "IRM: 70.54 (pm 0.67) / 67.08 (pm 1.47)",
                        "the results recorded beside the script; Table 2 prints them to one decimal"),
           latex="IRM (Arjovsky et al., 2019)	$70.5\\%(\\pm0.6)$	67.1 % (±1.4)",
           statement="Table 2's ERM, SD and IRM rows are the released script's results rounded to one decimal."),
    _entry("code_cmnist_irm_lr", "Table 4's IRM lr 0.00048985365 = the script's 0.0004898536566546834, truncated",
           "App. B.4 (Table 4)",
           paper={"lr": 0.00048985365, "decimals": 11}, code={"lr": 0.0004898536566546834},
           equal="printed precision",
           evidence=_ev(MP, MP_COMMIT, "Figure_4_and_table_1/table_1.sh", "30",
                        "--lr=0.0004898536566546834", "Table 4 shows the first digits of the script's value"),
           latex="IRM	2	390	0.00110794568	0.00048985365	190/500	91257.18613115903",
           statement="Table 4's IRM learning rate is the one the script uses.", note="Table 4 row, tab-separated."),
    _entry("code_fig3_last_restart", "Fig. 3's values come from the last of the 10 restarts only", "§4.3 (Fig. 3)",
           paper={"models_per_method": None}, code={"models_per_method": "the last restart (1 of 10)"},
           evidence=_ev(MP, MP_COMMIT, "Figure_4_and_table_1/cmnist.py", "-",
                        "# Saving the results for the last restart ... results[1][i // 2, i % 2] = mean_accuracy(...)",
                        "the four test variants are evaluated once, on the model of the final restart (seed 1243); "
                        "Fig. 3 prints its numbers with no spread and does not say they come from one model"),
           latex="Fig. 3 summarizes the results.",
           statement="Fig. 3 reports the methods' behaviour (its caption compares single values)."),
    _entry("code_celeba_lr", "CelebA: lr 1e-5 in the script, 1e-4 in App. B.5", "App. B.5",
           paper={"lr": 1e-4}, code={"lr": 1e-5},
           evidence=_ev(MP, MP_COMMIT, "Table_2/table_2.sh", "4-8, 11-15",
                        "run_expt.py ... --lr 1e-05 ... --sp 0.1 --adam --mode spw3 (SD); --lr 1e-05 (ERM)",
                        "both the SD and the ERM runs of Table 3 use Adam with lr 1e-5"),
           latex="We use Adam optimizer for the Spectral Decoupling experiments with a learning rate of 1e-4 and a batch size of 128.",
           statement="The CelebA SD runs use lr 1e-4."),
    _entry("code_celeba_lambda", "CelebA SD: one coefficient 0.1 on per-class means, not λ₀ = 0.088, λ₁ = 0.012",
           "App. B.5.1",
           paper={"lam0": 0.088, "lam1": 0.012, "gamma0": 0.44, "gamma1": 2.5, "one_coefficient_for_both": False},
           code={"sp": 0.1, "gamma0": 0.44, "gamma1": 2.5, "one_coefficient_for_both": True},
           evidence=_ev(MP, MP_COMMIT, "Table_2/loss.py", "-",
                        "actual_loss += self.sp * ((yhat[y == 1] - 2.5) ** 2).mean(); "
                        "actual_loss += self.sp * ((yhat[y == 0] - 0.44) ** 2).mean()",
                        "mean cross-entropy over the batch plus sp·(class mean of (ŷ − γ_c)²): per example the penalty "
                        "weight relative to the cross-entropy is λ_c/2 = sp·N/N_c, so with B.5.1's class sizes "
                        "λ₀ = 0.235 and λ₁ = 1.33; γ's as printed; class 0 (label −1) is pulled towards +0.44"),
           latex=r"For class zero, $\lambda_0=0.088$, $\gamma_0=0.44$ and for class one, $\lambda_1=0.012$, $\gamma_1=2.5$ are found to result in the best worst-group performance.",
           statement="Table 3's SD uses λ₀ = 0.088, λ₁ = 0.012 per class."),
    _entry("code_celeba_runs", "CelebA: five seeds per method in the script, 'ten runs' in Table 3", "§4.4 (Table 3)",
           paper={"runs": 10}, code={"runs": 5},
           evidence=_ev(MP, MP_COMMIT, "Table_2/table_2.sh", "4-8, 11-15",
                        "--seed 0 … --seed 4 (SD); --seed 0 … --seed 4 (ERM)", "five runs per method"),
           latex="We report test performance over ten runs.",
           statement="Table 3's entries are over ten runs."),
    _entry("code_celeba_batch", "CelebA: batch size 128 (the script's default)", "App. B.5",
           paper={"batch_size": 128}, code={"batch_size": 128},
           evidence=_ev(MP, MP_COMMIT, "Table_2/run_expt.py", "57",
                        "parser.add_argument('--batch_size', type=int, default=128)",
                        "table_2.sh does not set --batch_size, so the default 128 is used"),
           latex="We use Adam optimizer for the Spectral Decoupling experiments with a learning rate of 1e-4 and a batch size of 128.",
           statement="The CelebA SD runs use batches of 128."),
    _entry("code_celeba_epochs", "CelebA: 3 epochs (the script's default), unstated in the paper", "App. B.5",
           paper={"epochs": None}, code={"epochs": 3},
           evidence=_ev(MP, MP_COMMIT, "Table_2/run_expt.py", "56",
                        "parser.add_argument('--n_epochs', type=int, default=3)",
                        "table_2.sh sets no --n_epochs: every Table 3 run (SD and ERM) trains 3 epochs; "
                        "'we follow the same setup as in Sagawa et al. (2019)' does not say so"),
           latex="For the CelebA experiment, we follow the same setup as in Sagawa et al. (2019) and use their released code.",
           statement="App. B.5 states how long the CelebA models train."),
    _entry("code_celeba_pretrained", "CelebA: ResNet-50 starts from ImageNet weights, unstated in the paper",
           "§4.4, App. B.5",
           paper={"pretrained": None}, code={"pretrained": True},
           evidence=_ev(MP, MP_COMMIT, "Table_2/run_expt.py", "-",
                        "pretrained = not args.train_from_scratch; model = torchvision.models.resnet50(pretrained=pretrained)",
                        "table_2.sh does not pass --train_from_scratch: the ResNet-50 is ImageNet-pretrained"),
           latex="We train a ResNet-50 model (He et al., 2016) on this task.",
           statement="§4.4 says whether the ResNet-50 is trained from scratch or fine-tuned."),
    _entry("code_cifar_arch", "CIFAR (Table 1): no training code released; the run script names a VGG", "App. B.3",
           paper={"arch": "four-layer CNN"}, code={"arch": "vgg", "training_code": None},
           evidence=_ev(GS, GS_COMMIT, "table_1/run_SD.sh", "2",
                        "python -u main.py --arch vgg --seed 1 --outdir results/test/00 --SD 0.0 --load_eval …",
                        "main.py is in neither repository (only compiled vgg / resnet_preact modules); the one script "
                        "evaluates a VGG with SD coefficient 0.0"),
           latex="We use a four-layer convolutional network with ReLU non-linearity following the exact setup of Nar et al. (2019).",
           statement="The released code trains Table 1's four-layer CNN."),
]
