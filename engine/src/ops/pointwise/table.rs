//! The two macros that turn the rows of `unary.rs` and `binary.rs` into
//! code. A row holds code of three kinds (a scalar closure generic over
//! the compute type, a CUDA expression, a derivative in tensor ops) and
//! must become an enum variant, a match arm of the CPU kernel, a line of
//! the NVRTC source, a `Tensor` method and an entry of the language's list.
//! No trait or const table can make an enum variant and a method out of
//! one declaration, so `macro_rules!` stamps them (STYLE.md allows a macro
//! exactly there). The macros only place the row's pieces; every formula
//! is written in the row itself.
//!
//! Optional parts of a row are handed to an `@rule` of the same macro
//! wrapped in `[...]`, one row at a time, so each metavariable is expanded
//! at the repetition depth it was matched at.

/// Stamps `UnaryOp`, its row metadata, the CPU dispatch, the `Tensor`
/// methods and `unary_functions()` from the table in `unary.rs`.
macro_rules! unary_table {
    // ---- helpers ---------------------------------------------------------
    (@f64 $p:ident) => { f64 };
    (@params) => { [0.0; 3] };
    (@params $a:ident) => { [$a, 0.0, 0.0] };
    (@params $a:ident, $b:ident) => { [$a, $b, 0.0] };
    (@params $a:ident, $b:ident, $c:ident) => { [$a, $b, $c] };
    (@ints [$x:ident]) => { Ints::Native };
    (@ints promote) => { Ints::Promote };
    (@ints refuse) => { Ints::Refuse };
    (@ints keep) => { Ints::Keep };
    (@bools []) => { false };
    (@bools [$x:ident]) => { true };
    (@save input) => { Save::Input };
    (@save result) => { Save::Result };
    (@save nothing) => { Save::Nothing };
    (@flag torch) => {};
    (@flag method) => {};
    (@flag functional) => {};
    (@ctor $Var:ident []) => { UnaryOp::$Var };
    (@ctor $Var:ident [$c:expr]) => { $c };
    (@map $k:ident []) => { None };
    (@map $k:ident [[$x:ident] $e:expr]) => { Some($k.map(move |$x| $e)) };
    (@grad $Var:ident [$($pat:tt)*] []) => { None };
    (@grad $Var:ident [$($pat:tt)*] [$node:ident $save:ident |$g:ident, $s:ident| $ge:expr]) => {
        Some(UnaryGrad {
            node: stringify!($node),
            save: unary_table!(@save $save),
            rule: {
                #[allow(unused_variables)]
                fn rule(g: &Tensor, s: &Tensor, op: UnaryOp) -> Result<Tensor> {
                    #[allow(unreachable_patterns)]
                    match op {
                        UnaryOp::$Var $($pat)* => {
                            let ($g, $s) = (g, s);
                            $ge
                        }
                        _ => Err(Error::Internal(format!("{op:?} reached {}", stringify!($node)))),
                    }
                }
                rule
            },
        })
    };
    (@api $Var:ident [$($doc:tt)*] []) => {};
    (@api $Var:ident [$($doc:tt)*] [{
        $name:ident ($($a:ident : $aty:ty = $adef:expr),*) [$($flag:ident)*]
        $(inplace $inpl:ident)? $(by $hand:ident)? $(=> $ctor:expr)?
    }]) => {
        $(unary_table!(@flag $flag);)*
        unary_table!(@method [$($doc)*] [$($hand)?] $name ($($a: $aty),*)
            unary_table!(@ctor $Var [$($ctor)?]));
        unary_table!(@inplace_method [$($inpl)?] $name ($($a: $aty),*));
    };
    (@inplace_method [] $($rest:tt)*) => {};
    (@inplace_method [$inpl:ident] $name:ident ($($a:ident: $aty:ty),*)) => {
        impl Tensor {
            #[doc = concat!("In-place [`Tensor::", stringify!($name), "`].")]
            pub fn $inpl(&self $(, $a: $aty)*) -> Result<()> {
                self.apply_inplace(&[], |x| x.$name($($a),*))
            }
        }
    };
    (@method [$($doc:tt)*] [] $name:ident ($($a:ident: $aty:ty),*) $op:expr) => {
        impl Tensor {
            $($doc)*
            pub fn $name(&self $(, $a: $aty)*) -> Result<Tensor> {
                self.pointwise($op)
            }
        }
    };
    (@method [$($doc:tt)*] [$hand:ident] $($rest:tt)*) => {};
    (@entry $list:ident [$(#[doc = $doc:literal])*] []) => {};
    (@entry $list:ident [$(#[doc = $doc:literal])*] [{
        $name:ident ($($a:ident : $aty:ty = $adef:expr),*) [$($flag:ident)*]
        $(inplace $inpl:ident)? $(by $hand:ident)? $(=> $ctor:expr)?
    }]) => {
        $list.push(PointwiseFn {
            name: stringify!($name),
            signature: concat!(stringify!($name), "(input" $(, ", ", stringify!($a), "=", stringify!($adef))*, ")"),
            doc: first_line(concat!($($doc, "\n"),*)),
            params: &[$(Param { name: stringify!($a), default: stringify!($adef) }),*],
            call: |x| x.$name($($adef),*),
            call_with: |x, p| {
                let [$($a),*] = positional(p);
                x.$name($(<$aty as ParamArg>::from_arg($a, $adef)),*)
            },
            inplace: unary_table!(@inplace_fn [$($inpl)?] ($($a: $aty = $adef),*)),
            in_torch: [$(stringify!($flag)),*].contains(&"torch"),
            tensor_method: [$(stringify!($flag)),*].contains(&"method"),
            functional: [$(stringify!($flag)),*].contains(&"functional"),
        });
    };
    (@inplace_fn [] $($rest:tt)*) => { None };
    (@inplace_fn [$inpl:ident] ($($a:ident: $aty:ty = $adef:expr),*)) => {
        Some(|x, p| {
            let [$($a),*] = positional(p);
            x.$inpl($(<$aty as ParamArg>::from_arg($a, $adef)),*)
        })
    };

    // ---- the table --------------------------------------------------------
    (
        values {$(
            $(#[doc = $doc:literal])*
            $Var:ident $(($($p:ident),+))? {
                $(api $api:tt)?
                float: |$x:ident| $fe:expr;
                $(int: |$ix:ident| $ie:expr;)?
                $(bool: |$bx:ident| $be:expr;)?
                $(ints: $irule:ident;)?
                cuda: $cuda:literal;
                $(grad: $node:ident $save:ident |$g:ident, $s:ident| $ge:expr;)?
            }
        )*}
        tests {$(
            $(#[doc = $tdoc:literal])*
            $TVar:ident {
                $(api $tapi:tt)?
                float: |$tx:ident| $tfe:expr;
                int: |$tix:ident| $tie:expr;
                bool: |$tbx:ident| $tbe:expr;
                cuda: $tcuda:literal;
            }
        )*}
        composites {$(
            $(#[doc = $cdoc:literal])*
            $cname:ident () [$($cflag:ident)*] $(inplace $cinpl:ident)? => |$cx:ident| $ce:expr;
        )*}
    ) => {
        /// A unary pointwise op: one variant per row of the table (its
        /// parameters are the `f64`s the kernels take).
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub enum UnaryOp {
            $($(#[doc = $doc])* $Var $(($(unary_table!(@f64 $p)),+))?,)*
            $($(#[doc = $tdoc])* $TVar,)*
        }

        /// The variants without their parameters: a row's index and op code.
        #[derive(Clone, Copy)]
        enum UnaryKind {
            $($Var,)*
            $($TVar,)*
        }

        /// Every row, in variant order.
        static UNARY_ROWS: &[UnaryRow] = &[
            $(UnaryRow {
                name: stringify!($Var),
                cuda: $cuda,
                ints: unary_table!(@ints $([$ix])? $($irule)?),
                bools: unary_table!(@bools [$($bx)?]),
                test: false,
                grad: unary_table!(@grad $Var [$(($($p),+))?]
                    [$($node $save |$g, $s| $ge)?]),
            },)*
            $(UnaryRow {
                name: stringify!($TVar),
                cuda: $tcuda,
                ints: Ints::Native,
                bools: true,
                test: true,
                grad: None,
            },)*
        ];

        impl UnaryOp {
            fn kind(self) -> UnaryKind {
                match self {
                    $(UnaryOp::$Var { .. } => UnaryKind::$Var,)*
                    $(UnaryOp::$TVar => UnaryKind::$TVar,)*
                }
            }

            /// The op's row: name, CUDA expression, dtype rules, derivative.
            pub fn row(self) -> &'static UnaryRow {
                &UNARY_ROWS[self.kind() as usize]
            }

            /// The kernels' op code (the row's index).
            pub fn code(self) -> i32 {
                self.kind() as i32
            }

            /// Every row, in code order (the CUDA source is generated from it).
            pub fn rows() -> &'static [UnaryRow] {
                UNARY_ROWS
            }

            /// The parameters as the kernels' `p0 p1 p2` (unused ones 0).
            pub fn params(self) -> [f64; 3] {
                match self {
                    $(UnaryOp::$Var $(($($p),+))? => unary_table!(@params $($($p),+)?),)*
                    $(UnaryOp::$TVar => [0.0; 3],)*
                }
            }

            /// Hands the row's float formula, in the compute type `C`, to
            /// the kernel `k` (one match, outside any loop).
            #[allow(unused_variables)]
            pub fn on_float<C: Float, K: PointwiseKernel<C>>(self, k: K) -> K::Out {
                match self {
                    $(UnaryOp::$Var $(($($p),+))? => k.map(move |$x| $fe),)*
                    $(UnaryOp::$TVar => k.test(move |$tx| $tfe),)*
                }
            }

            /// The integer formula, where the row has one.
            #[allow(unused_variables)]
            pub fn on_int<T: Int, K: PointwiseKernel<T>>(self, k: K) -> Option<K::Out> {
                match self {
                    $(UnaryOp::$Var $(($($p),+))? => unary_table!(@map k [$([$ix] $ie)?]),)*
                    $(UnaryOp::$TVar => Some(k.test(move |$tix| $tie)),)*
                }
            }

            /// The bool formula, where the row has one.
            #[allow(unused_variables)]
            pub fn on_bool<K: PointwiseKernel<bool>>(self, k: K) -> Option<K::Out> {
                match self {
                    $(UnaryOp::$Var $(($($p),+))? => unary_table!(@map k [$([$bx] $be)?]),)*
                    $(UnaryOp::$TVar => Some(k.test(move |$tbx| $tbe)),)*
                }
            }
        }

        $(unary_table!(@api $Var [$(#[doc = $doc])*] [$($api)?]);)*
        $(unary_table!(@api $TVar [$(#[doc = $tdoc])*] [$($tapi)?]);)*

        impl Tensor {
            $(
                $(#[doc = $cdoc])*
                pub fn $cname(&self) -> Result<Tensor> {
                    let $cx = self;
                    $ce
                }
                $(
                    #[doc = concat!("In-place [`Tensor::", stringify!($cname), "`].")]
                    pub fn $cinpl(&self) -> Result<()> {
                        self.apply_inplace(&[], |x| x.$cname())
                    }
                )?
            )*
        }

        /// The table's public functions, in table order (built once).
        #[allow(clippy::vec_init_then_push)] // rows without an api push nothing
        pub fn unary_functions() -> &'static [PointwiseFn] {
            static LIST: std::sync::OnceLock<Vec<PointwiseFn>> = std::sync::OnceLock::new();
            LIST.get_or_init(|| {
                let mut list = Vec::new();
                $(unary_table!(@entry list [$(#[doc = $doc])*] [$($api)?]);)*
                $(unary_table!(@entry list [$(#[doc = $tdoc])*] [$($tapi)?]);)*
                $(
                    $(unary_table!(@flag $cflag);)*
                    list.push(PointwiseFn {
                        name: stringify!($cname),
                        signature: concat!(stringify!($cname), "(input)"),
                        doc: first_line(concat!($($cdoc, "\n"),*)),
                        params: &[],
                        call: |x| x.$cname(),
                        call_with: |x, _| x.$cname(),
                        inplace: unary_table!(@composite_inplace [$($cinpl)?]),
                        in_torch: [$(stringify!($cflag)),*].contains(&"torch"),
                        tensor_method: [$(stringify!($cflag)),*].contains(&"method"),
                        functional: [$(stringify!($cflag)),*].contains(&"functional"),
                    });
                )*
                list
            })
        }
    };
    (@composite_inplace []) => { None };
    (@composite_inplace [$inpl:ident]) => { Some(|x, _| x.$inpl()) };
}

/// Stamps `BinaryOp`, its rows, the CPU dispatch, the `Tensor` methods and
/// `binary_functions()` from the table in `binary.rs`.
macro_rules! binary_table {
    (@ints [$x:ident]) => { Ints::Native };
    (@ints promote) => { Ints::Promote };
    (@ints refuse) => { Ints::Refuse };
    (@flag torch) => {};
    (@flag method) => {};
    (@float $k:ident []) => { None };
    (@float $k:ident [[$a:ident, $b:ident] $e:expr]) => { Some($k.map(move |$a, $b| $e)) };
    (@int $k:ident []) => { None };
    (@int $k:ident [[$a:ident, $b:ident] $e:expr]) => { Some($k.map(move |$a, $b| $e)) };
    (@has []) => { false };
    (@has [$x:ident]) => { true };
    (@operand input) => { Operand::Input };
    (@operand other) => { Operand::Other };
    (@operand result) => { Operand::Result };
    (@scalar_node []) => { None };
    (@scalar_node [$n:ident]) => { Some(stringify!($n)) };
    (@grad []) => { None };
    (@grad [{
        $node:ident $([scalar $snode:ident])? ($($saved:ident),*) |$g:ident $(, $sv:ident)*|
        input: $gi:expr, other: $go:expr $(,)?
    }]) => {
        Some(BinaryGrad {
            node: stringify!($node),
            scalar_node: binary_table!(@scalar_node [$($snode)?]),
            saves: &[$(binary_table!(@operand $saved)),*],
            rule: {
                #[allow(unused_variables)]
                fn rule(g: &Tensor, saved: &[Tensor], which: usize) -> Result<Tensor> {
                    let [$($sv),*] = saved else {
                        return Err(Error::Internal(format!(
                            "{}: {} saved tensors", stringify!($node), saved.len()
                        )));
                    };
                    let $g = g;
                    if which == 0 {
                        $gi
                    } else {
                        $go
                    }
                }
                rule
            },
        })
    };
    (@api $Var:ident [$($doc:tt)*] []) => {};
    (@api $Var:ident [$($doc:tt)*] [{ $name:ident [$($flag:ident)*] $(inplace $inpl:ident)? }]) => {
        $(binary_table!(@flag $flag);)*
        impl Tensor {
            $($doc)*
            pub fn $name<'a>(&self, other: impl Into<Arg<'a>>) -> Result<Tensor> {
                self.pointwise_binary(other.into(), BinaryOp::$Var)
            }
            $(
                #[doc = concat!("In-place [`Tensor::", stringify!($name), "`].")]
                pub fn $inpl<'a>(&self, other: impl Into<Arg<'a>>) -> Result<()> {
                    let other = other.into();
                    let others: Vec<&Tensor> = match &other {
                        Arg::T(t) => vec![*t],
                        Arg::S(_) => vec![],
                    };
                    self.apply_inplace(&others, |x| x.$name(other.clone()))
                }
            )?
        }
    };
    (@entry $list:ident $Var:ident [$(#[doc = $doc:literal])*] []) => {};
    (@entry $list:ident $Var:ident [$(#[doc = $doc:literal])*]
        [{ $name:ident [$($flag:ident)*] $(inplace $inpl:ident)? }]) => {
        $list.push(BinaryFn {
            name: stringify!($name),
            signature: concat!(stringify!($name), "(input, other)"),
            doc: first_line(concat!($($doc, "\n"),*)),
            call: |a, b| a.$name(b),
            call_scalar: match BinaryOp::$Var.row().grad {
                Some(BinaryGrad { scalar_node: None, .. }) => None,
                _ => Some(|a, s| a.$name(s)),
            },
            inplace: binary_table!(@inplace_fn [$($inpl)?]),
            in_torch: [$(stringify!($flag)),*].contains(&"torch"),
            tensor_method: [$(stringify!($flag)),*].contains(&"method"),
        });
    };
    (@inplace_fn []) => { None };
    (@inplace_fn [$inpl:ident]) => { Some(|a, b| a.$inpl(b)) };

    (
        values {$(
            $(#[doc = $doc:literal])*
            $Var:ident {
                $(api $api:tt)?
                $(float: |$fa:ident, $fb:ident| $fe:expr;)?
                $(int: |$ia:ident, $ib:ident| $ie:expr;)?
                $(ints: $irule:ident;)?
                cuda: $cuda:literal;
                $(grad $grad:tt)?
            }
        )*}
        compares {$(
            $(#[doc = $cdoc:literal])*
            $CVar:ident {
                float: |$ca:ident, $cb:ident| $cfe:expr;
                int: |$cia:ident, $cib:ident| $cie:expr;
                cuda: $ccuda:literal;
            }
        )*}
    ) => {
        /// A binary pointwise op on two same-dtype operands: one variant
        /// per row of the table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum BinaryOp {
            $($(#[doc = $doc])* $Var,)*
            $($(#[doc = $cdoc])* $CVar,)*
        }

        static BINARY_ROWS: &[BinaryRow] = &[
            $(BinaryRow {
                name: stringify!($Var),
                cuda: $cuda,
                float: binary_table!(@has [$($fa)?]),
                ints: binary_table!(@ints $([$ia])? $($irule)?),
                test: false,
                grad: binary_table!(@grad [$($grad)?]),
            },)*
            $(BinaryRow {
                name: stringify!($CVar),
                cuda: $ccuda,
                float: true,
                ints: Ints::Native,
                test: true,
                grad: None,
            },)*
        ];

        impl BinaryOp {
            /// The op's row: name, CUDA expression, dtype rules, derivative.
            pub fn row(self) -> &'static BinaryRow {
                &BINARY_ROWS[self as usize]
            }

            /// The kernels' op code (the row's index).
            pub fn code(self) -> i32 {
                self as i32
            }

            /// Every row, in code order.
            pub fn rows() -> &'static [BinaryRow] {
                BINARY_ROWS
            }

            /// Hands the row's float formula to the kernel `k`.
            pub fn on_float<C: Float, K: PointwiseKernel2<C>>(self, k: K) -> Option<K::Out> {
                match self {
                    $(BinaryOp::$Var => binary_table!(@float k [$([$fa, $fb] $fe)?]),)*
                    $(BinaryOp::$CVar => Some(k.test(move |$ca, $cb| $cfe)),)*
                }
            }

            /// The integer formula, where the row has one.
            pub fn on_int<T: Int, K: PointwiseKernel2<T>>(self, k: K) -> Option<K::Out> {
                match self {
                    $(BinaryOp::$Var => binary_table!(@int k [$([$ia, $ib] $ie)?]),)*
                    $(BinaryOp::$CVar => Some(k.test(move |$cia, $cib| $cie)),)*
                }
            }
        }

        $(binary_table!(@api $Var [$(#[doc = $doc])*] [$($api)?]);)*

        /// The table's public functions, in table order (built once).
        #[allow(clippy::vec_init_then_push)] // rows without an api push nothing
        pub fn binary_functions() -> &'static [BinaryFn] {
            static LIST: std::sync::OnceLock<Vec<BinaryFn>> = std::sync::OnceLock::new();
            LIST.get_or_init(|| {
                let mut list = Vec::new();
                $(binary_table!(@entry list $Var [$(#[doc = $doc])*] [$($api)?]);)*
                list
            })
        }
    };
}
